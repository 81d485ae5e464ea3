// kvmnet probe on a real libvirtd in a namespace (the "host"), next to a simulated LAN: a "router" namespace with
// two LAN segments (bridges with dnsmasq handing out leases, a router and DNS) and an "outside" address beyond it.
// For nat, route, isolated, open, a host bridge, macvtap bridge/private/vepa and OVS, the measured matrix must be the
// mode's promise; a NAT network with forwarding off shows the failing cell and the doctor check. The built binary
// runs as a user would run it, and nothing it made may be left.
//
//   host ns (libvirtd)                               router ns                     outside ns
//   lan1 10.77.0.3/24 (default route, macvtap parent) ── r1 ─┐ rbr 10.77.0.1/24 (dnsmasq)
//   br0 10.78.0.2/24 ← port lan0                      ── r0 ─┐ rbr2 10.78.0.1/24 (dnsmasq)
//   OVS obr0 ← port lan2                              ── r2 ─┘
//                                                             r9 10.88.0.1/24 ── o9 10.88.0.2 (the target)
import type {ChildProcess} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {ProbeReport} from '../source/core/probe.js';
import {execa} from 'execa';
import {cliPath, inventoryJson, runCli} from './harness/cli.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot, Namespace, probeLeftovers, run, startDnsmasq} from './harness/netns.js';
import {Ovs} from './harness/ovs.js';
import {TmuxSession} from './harness/tmux.js';

const hasBusybox = (await run(['busybox', '--list']).catch(() => ({stdout: ''}))).stdout.includes('udhcpc');

describe.skipIf(!isRoot || !hasBusybox)('kvmnet probe on a real libvirtd next to a LAN', () => {
	let daemon: Libvirtd;
	let ovs: Ovs;
	let router: Namespace;
	let outside: Namespace;
	const children: ChildProcess[] = [];
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-probe-'));
	const host = (...argv: string[]) => daemon.exec(argv);

	beforeAll(async () => {
		ovs = new Ovs();
		daemon = await Libvirtd.start('probe', {OVS_RUNDIR: ovs.dir});
		await ovs.start(daemon.namespace);
		router = await Namespace.create('probe-lan');
		outside = await Namespace.create('probe-out');
		const ns = daemon.namespace;
		for (const [mine, theirs] of [
			['lan0', 'r0'],
			['lan1', 'r1'],
			['lan2', 'r2'],
		] as const)
			await run(['ip', '-n', ns, 'link', 'add', mine, 'type', 'veth', 'peer', 'name', theirs, 'netns', router.name]);
		await run([
			'ip',
			'-n',
			router.name,
			'link',
			'add',
			'r9',
			'type',
			'veth',
			'peer',
			'name',
			'o9',
			'netns',
			outside.name,
		]);
		await router.ipBatch([
			'link add rbr type bridge',
			'link add rbr2 type bridge',
			'link set r1 master rbr',
			'link set r0 master rbr2',
			'link set r2 master rbr2',
			'addr add 10.77.0.1/24 dev rbr',
			'addr add 10.78.0.1/24 dev rbr2',
			'addr add 10.88.0.1/24 dev r9',
			...['rbr', 'rbr2', 'r0', 'r1', 'r2', 'r9'].map((l) => `link set ${l} up`),
			// The way back to the routed network, through the host (what a LAN router needs for routed mode).
			'route add 192.168.161.0/24 via 10.77.0.3',
			'route add 192.168.163.0/24 via 10.77.0.3',
		]);
		await router.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
		// OVS's userspace datapath (the only one here) forwards a veth's frames as they come, and a veth leaves UDP
		// checksums to "hardware": the router's DHCP offers would reach OVS guests with bad checksums. A real NIC and
		// OVS's kernel datapath do not have this; the lab's LAN port computes its checksums itself.
		await router.exec(['ethtool', '-K', 'r2', 'tx', 'off']);
		await outside.ipBatch(['addr add 10.88.0.2/24 dev o9', 'link set o9 up', 'route add default via 10.88.0.1']);
		await run(['ip', '-n', ns, '-batch', '-'], {
			input: [
				'link add br0 type bridge',
				'link set lan0 master br0',
				'addr add 10.78.0.2/24 dev br0',
				'addr add 10.77.0.3/24 dev lan1',
				...['br0', 'lan0', 'lan1', 'lan2'].map((l) => `link set ${l} up`),
				'route add default via 10.77.0.1',
				'',
			].join('\n'),
		});
		await ovs.addBridge('obr0');
		await ovs.vsctl('add-port', 'obr0', 'lan2');
		await host('ip', 'link', 'set', 'obr0', 'up');
		const dnsmasq = startDnsmasq(router.name, [
			'--no-resolv',
			'--no-hosts',
			'--leasefile-ro',
			'--bind-interfaces',
			'--interface=rbr',
			'--interface=rbr2',
			'--dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0',
			'--dhcp-range=10.78.0.100,10.78.0.150,255.255.255.0',
		]);
		children.push(dnsmasq);
		const define = async (name: string, xml: string) => {
			writeFileSync(join(work, `${name}.xml`), xml);
			await daemon.virsh(`net-define ${join(work, `${name}.xml`)}; net-start ${name}`);
		};
		const ip = (third: number, dhcp = true) =>
			`<ip address='192.168.${third}.1' prefix='24'>${dhcp ? `<dhcp><range start='192.168.${third}.10' end='192.168.${third}.50'/></dhcp>` : ''}</ip>`;
		await define('q-nat', `<network><name>q-nat</name><forward mode='nat'/><bridge name='qbr0'/>${ip(160)}</network>`);
		await define(
			'q-route',
			`<network><name>q-route</name><forward mode='route'/><bridge name='qbr1'/>${ip(161)}</network>`,
		);
		await define('q-iso', `<network><name>q-iso</name><bridge name='qbr2'/>${ip(162)}</network>`);
		await define(
			'q-open',
			`<network><name>q-open</name><forward mode='open'/><bridge name='qbr3'/>${ip(163)}</network>`,
		);
		await define('q-bridge', "<network><name>q-bridge</name><forward mode='bridge'/><bridge name='br0'/></network>");
		for (const mode of ['bridge', 'private', 'vepa'])
			await define(
				`q-mv${mode}`,
				`<network><name>q-mv${mode}</name><forward mode='${mode}'><interface dev='lan1'/></forward></network>`,
			);
		await define(
			'q-ovs',
			"<network><name>q-ovs</name><forward mode='bridge'/><bridge name='obr0'/><virtualport type='openvswitch'/></network>",
		);
	}, 120_000);

	afterAll(async () => {
		for (const child of children) child.kill('SIGKILL');
		await daemon?.stop();
		await ovs?.stop();
		await router?.destroy();
		await outside?.destroy();
	});

	const probe = async (network: string, ...extra: string[]) => {
		const result = await runCli(['probe', network, '--json', '--target', '10.88.0.2', '-c', daemon.uri, ...extra], {
			namespace: daemon.namespace,
			env: ovs.env,
		});
		let report: ProbeReport;
		try {
			report = JSON.parse(result.stdout) as ProbeReport;
		} catch {
			throw new Error(`probe ${network} printed no JSON (exit ${result.exitCode}): ${result.stderr}`);
		}
		return {report, exitCode: result.exitCode, matrix: Object.fromEntries(report.checks.map((c) => [c.id, c]))};
	};
	/** Each cell as "expected/measured/result", for one readable comparison per network. */
	const cells = (report: ProbeReport) =>
		Object.fromEntries(report.checks.map((c) => [c.id, `${c.expected}/${c.measured ?? '-'}/${c.result}`]));

	// NAT and routed (with the router's route back) promise, and reach, everything.
	const everything = Object.fromEntries(
		['dhcp', 'dns', 'guest-host-bridge', 'guest-host-public', 'guest-guest', 'host-guest', 'guest-outside'].map(
			(id) => [id, 'yes/yes/pass'],
		),
	);
	const expectations: [string, Record<string, string>][] = [
		['q-nat', everything],
		['q-route', everything],
		[
			'q-iso',
			{
				dhcp: 'yes/yes/pass',
				dns: 'yes/yes/pass',
				'guest-host-bridge': 'yes/yes/pass',
				'guest-host-public': 'no/no/pass',
				'guest-guest': 'yes/yes/pass',
				'host-guest': 'yes/yes/pass',
				'guest-outside': 'no/no/pass',
			},
		],
		[
			'q-bridge',
			{
				dhcp: 'yes/yes/pass',
				dns: 'n/a/-/skip',
				'guest-host-bridge': 'yes/yes/pass',
				'guest-host-public': 'yes/yes/pass',
				'guest-guest': 'yes/yes/pass',
				'host-guest': 'yes/yes/pass',
				'guest-outside': 'yes/yes/pass',
			},
		],
		[
			'q-mvbridge',
			{
				dhcp: 'yes/yes/pass',
				dns: 'n/a/-/skip',
				'guest-host-bridge': 'n/a/-/skip',
				'guest-host-public': 'no/no/pass',
				'guest-guest': 'yes/yes/pass',
				'host-guest': 'no/no/pass',
				'guest-outside': 'yes/yes/pass',
			},
		],
		[
			'q-mvprivate',
			{
				dhcp: 'yes/yes/pass',
				dns: 'n/a/-/skip',
				'guest-host-bridge': 'n/a/-/skip',
				'guest-host-public': 'no/no/pass',
				'guest-guest': 'no/no/pass',
				'host-guest': 'no/no/pass',
				'guest-outside': 'yes/yes/pass',
			},
		],
		[
			// The router's bridge does not reflect frames (no hairpin): VEPA guests meet nobody on their own NIC.
			'q-mvvepa',
			{
				dhcp: 'yes/yes/pass',
				dns: 'n/a/-/skip',
				'guest-host-bridge': 'n/a/-/skip',
				'guest-host-public': 'either/no/pass',
				'guest-guest': 'either/no/pass',
				'host-guest': 'either/no/pass',
				'guest-outside': 'yes/yes/pass',
			},
		],
	];

	it.each(expectations)(
		'%s: the measured matrix is the promise',
		async (network, expected) => {
			const {report, exitCode} = await probe(network);
			expect(cells(report)).toEqual(expected);
			expect(exitCode).toBe(0);
			expect(report.target).toBe('10.88.0.2');
			// Nothing of the probe's is left: no namespace, no link.
			expect(await probeLeftovers()).toEqual([]);
			expect((await host('ip', '-o', 'link', 'show')).stdout).not.toMatch(/\bkvp\d+[ab]\b/);
		},
		120_000,
	);

	// libvirt adds no rules for open, and this host's FORWARD policy accepts: with the router's route back, reached.
	it('open: everything but the outside is promised; the outside is what this host allows (here: reached)', async () => {
		const {report, exitCode} = await probe('q-open');
		expect(cells(report)).toMatchObject({'guest-outside': 'either/yes/pass', 'guest-guest': 'yes/yes/pass'});
		expect(exitCode).toBe(0);
	}, 120_000);

	it('OVS: endpoints on the Open vSwitch bridge get the LAN and reach it', async () => {
		const {report, exitCode} = await probe('q-ovs');
		expect(cells(report)).toMatchObject({
			dhcp: 'yes/yes/pass',
			'guest-guest': 'yes/yes/pass',
			'guest-outside': 'yes/yes/pass',
		});
		expect(exitCode).toBe(0);
		expect((await ovs.vsctl('list-ports', 'obr0')).stdout.trim()).toBe('lan2');
	}, 120_000);

	it('a broken NAT network (forwarding off) fails the outside cell, naming the cause and the doctor check; exit 1', async () => {
		await host('sysctl', '-qw', 'net.ipv4.ip_forward=0');
		try {
			const {matrix, exitCode} = await probe('q-nat');
			expect(matrix['guest-outside']).toMatchObject({expected: 'yes', measured: 'no', result: 'fail'});
			expect(matrix['guest-outside']!.cause).toMatch(/forwarding/);
			expect(matrix['guest-outside']!.evidence).toMatch(/ping -c 2 -W 2 10\.88\.0\.2/);
			expect(matrix['guest-guest']!.result).toBe('pass');
			expect(exitCode).toBe(1);
		} finally {
			await host('sysctl', '-qw', 'net.ipv4.ip_forward=1');
		}
	}, 120_000);

	/** The built kvmnet probing `network` in the background; resolves once its endpoints exist. */
	async function startProbe(network: string) {
		const child = execa(
			'ip',
			['netns', 'exec', daemon.namespace, process.execPath, cliPath, 'probe', network, '-c', daemon.uri],
			{
				reject: false,
				env: ovs.env,
			},
		);
		for (let i = 0; i < 200; i++) {
			if (new RegExp(`kvmnet-probe-\\d+-b`).test((await run(['ip', 'netns', 'list'])).stdout)) break;
			await new Promise((r) => setTimeout(r, 50));
		}
		// Wrapped: an execa child is a promise, and an async function would wait for it.
		return {child};
	}
	const leftovers = async () => [
		...(await probeLeftovers()),
		...((await host('ip', '-o', 'link', 'show')).stdout.match(/\bkvp\d+[ab]\b/g) ?? []),
	];

	it('Ctrl-C stops the probe, removes what it made, exit 130; a SIGKILLed probe leaves its names to the next one, which sweeps them', async () => {
		const {child: interrupted} = await startProbe('q-nat');
		// SIGINT to kvmnet itself (ip netns exec runs it in its own place: the pid is kvmnet's).
		await new Promise((r) => setTimeout(r, 300));
		interrupted.kill('SIGINT');
		const ended = await interrupted;
		expect(ended.exitCode).toBe(130);
		expect(String(ended.stderr)).toMatch(/SIGINT: the probe stopped; what it made is removed/);
		expect(await leftovers()).toEqual([]);

		const {child: killed} = await startProbe('q-nat');
		killed.kill('SIGKILL');
		await killed;
		expect((await leftovers()).length).toBeGreaterThan(0);
		const next = await probe('q-iso');
		expect(next.exitCode).toBe(0);
		expect(await leftovers()).toEqual([]);
	}, 120_000);

	it('says what it cannot probe and why, and refuses bad input in words', async () => {
		const missing = await runCli(['probe', 'nope', '-c', daemon.uri], {namespace: daemon.namespace});
		expect(missing.exitCode).toBe(2);
		expect(missing.stderr).toMatch(/there is no network "nope" .*networks: .*q-nat/);
		const notRoot = await runCli(['probe', 'q-nat', '-c', daemon.uri], {namespace: daemon.namespace, asUser: 65534});
		expect(notRoot.exitCode).toBe(2);
		expect(notRoot.stderr).toMatch(/probe makes network namespaces and links on the host: it needs root/);
		// A target the host itself cannot reach says nothing about the network: skipped, in words.
		const dead = await probe('q-nat', '--target', '203.0.113.99');
		expect(dead.matrix['guest-outside']).toMatchObject({result: 'skip'});
		expect(dead.matrix['guest-outside']!.evidence).toMatch(/the host itself gets no answer from 203\.0\.113\.99/);
		const bad = await runCli(['probe', 'q-nat', '--target', '10.0.0.300']);
		expect(bad.exitCode).toBe(2);
		expect(bad.stderr).toMatch(/--target: "10\.0\.0\.300" is not an IPv4 address/);
		await daemon.virsh('net-destroy q-iso');
		const inactive = await probe('q-iso');
		expect(inactive.exitCode).toBe(2);
		expect(inactive.report.attach).toMatch(/not active/);
		await daemon.virsh('net-start q-iso');
	}, 120_000);

	const untilSecondEndpoint = async () => {
		for (let i = 0; i < 200 && !/kvmnet-probe-\d+-b/.test((await run(['ip', 'netns', 'list'])).stdout); i++)
			await new Promise((resolve) => setTimeout(resolve, 50));
	};

	it('the TUI under tmux: p on a network shows its matrix; Esc, or SIGTERM to the app, stops a probe under way and nothing is left', async () => {
		const networks = (await inventoryJson(['-c', daemon.uri], {namespace: daemon.namespace, env: ovs.env})).networks;
		const row = networks.findIndex((n) => n.name === 'q-nat');
		const session = await TmuxSession.start(
			['ip', 'netns', 'exec', daemon.namespace, process.execPath, cliPath, '--connect', daemon.uri],
			// Only OVS's folders: the rest of this process's environment (CI=true among it) is not the terminal's.
			{env: {OVS_RUNDIR: ovs.dir, OVS_DBDIR: ovs.dir}},
		);
		try {
			await session.waitFor(/ 4 Networks \d+ /, 15_000);
			// On another view p probes nothing: it says where networks are.
			await session.keys('p');
			await session.waitFor('p probes a network: select one in the Networks view (4)');
			await session.keys('4', 'g', ...new Array<string>(row).fill('Down'));
			expect(await session.waitFor('p probe')).not.toContain('Probe of network');
			await session.keys('p');
			await session.waitFor('Probe of network q-nat: measuring…');
			const matrix = await session.waitFor('Probe of network q-nat: as promised', 60_000);
			expect(matrix).toMatch(/guest-outside\s+yes\s+yes\s+pass/);
			expect(matrix).toMatch(/dhcp\s+yes\s+yes\s+pass/);
			expect(matrix).toContain('r probe again');
			expect(matrix.split('\n').every((line) => line.length <= 80)).toBe(true);
			expect(await leftovers()).toEqual([]);
			// r probes again; Esc once its endpoints exist stops it, and it removes them before it says so.
			await session.keys('r');
			await untilSecondEndpoint();
			await session.keys('Escape');
			const stopped = await session.waitFor('Stopped before it finished: what the probe made is removed.', 30_000);
			expect(stopped).toContain('Probe of network q-nat: stopped');
			expect(await leftovers()).toEqual([]);
			await session.keys('Escape');
			await session.waitFor(/ 4 Networks \d+ /);
			// SIGTERM to the app while a probe runs: the probe removes what it made, then the app exits with 143.
			await session.keys('p');
			await untilSecondEndpoint();
			const app = (await run(['pgrep', '-f', `^${process.execPath} ${cliPath} --connect`])).stdout.trim();
			expect(app).toMatch(/^\d+$/);
			process.kill(Number(app), 'SIGTERM');
			expect(await session.waitForExit(30_000)).toBe(143);
		} finally {
			await session.kill();
		}
		expect(await leftovers()).toEqual([]);
	}, 120_000);
});
