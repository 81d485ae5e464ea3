// The doctor against real state: a real libvirtd in a network namespace, with sysctls, iptables rules, a program
// listening on port 53, an address that overlaps a libvirt network, a fake firewalld process, and router
// advertisements from dnsmasq in a second namespace. Each check is
// seen failing and passing; each fix kvmnet can run is applied with `kvmnet apply` and undone with `kvmnet undo`.
import {spawn, type ChildProcess} from 'node:child_process';
import {copyFileSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {CheckResult} from '../source/core/doctor/index.js';
import {runCli} from './harness/cli.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot, Namespace, run, startDnsmasq} from './harness/netns.js';

describe.skipIf(!isRoot)('doctor on a real libvirtd in a namespace', () => {
	let daemon: Libvirtd;
	let env: Record<string, string>;
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-doctor-'));
	const children: ChildProcess[] = [];

	beforeAll(async () => {
		daemon = await Libvirtd.start('doctor');
		env = {
			KVMNET_STATE_DIR: join(work, 'state'),
			KVMNET_NETWORK_MANAGER: 'iproute2',
			LIBVIRT_DEFAULT_URI: daemon.uri,
			PATH: process.env['PATH']!,
		};
		await run(['ip', '-n', daemon.namespace, '-batch', '-'], {
			input: [
				'link add lan0 type veth peer name lan0p',
				'link set lan0 up',
				'link set lan0p up',
				'addr add 10.98.0.2/24 dev lan0',
				'link add brlan type bridge',
				'link set brlan up',
			]
				.map((l) => `${l}\n`)
				.join(''),
		});
		const file = (name: string, xml: string) => {
			const path = join(work, name);
			writeFileSync(path, xml);
			return path;
		};
		const natXml = (name: string, bridge: string, net: string) =>
			`<network><name>${name}</name><forward mode='nat'/><bridge name='${bridge}'/><ip address='${net}.1' netmask='255.255.255.0'><dhcp><range start='${net}.2' end='${net}.254'/></dhcp></ip></network>`;
		const defined = await daemon.virsh(
			[
				`net-define ${file('default.xml', natXml('default', 'virbr0', '10.97.0'))}`,
				'net-start default',
				'net-autostart default',
				`net-define ${file('lan.xml', "<network><name>lan</name><forward mode='bridge'/><bridge name='brlan'/></network>")}`,
				'net-start lan',
				// Defined, not started: its subnet is lan0's.
				`net-define ${file('clash.xml', natXml('clash', 'virbr9', '10.98.0'))}`,
				`define ${file('vm1.xml', "<domain type='qemu'><name>vm1</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os><devices><interface type='network'><source network='clash'/></interface></devices></domain>")}`,
			].join('; '),
		);
		expect(defined.exitCode, defined.stderr).toBe(0);
	});

	afterAll(async () => {
		for (const child of children) child.kill('SIGKILL');
		await daemon?.stop();
	});

	const kvmnet = (args: string[]) => runCli(args, {namespace: daemon.namespace, env});
	const inNs = (...argv: string[]) => daemon.exec(argv);

	async function doctor(): Promise<CheckResult[]> {
		const result = await kvmnet(['doctor', '--json', '--connect', daemon.uri]);
		const report = JSON.parse(result.stdout) as {results: CheckResult[]; exitCode: number};
		expect(result.exitCode).toBe(report.exitCode);
		return report.results;
	}
	const check = async (id: string) => {
		const found = (await doctor()).find((r) => r.id === id);
		if (!found) throw new Error(`no check ${id}`);
		return found;
	};

	/** Save the check's fix with `kvmnet doctor --fix`; returns the plan file. */
	async function saveFix(id: string) {
		const out = join(work, `fix-${id.replace(/\W+/g, '-')}-${Date.now()}`);
		const saved = await kvmnet(['doctor', '--fix', id, '--out', out, '--connect', daemon.uri]);
		expect(saved.exitCode, saved.stderr).toBe(0);
		return join(out, 'plan.json');
	}
	/** Save the check's fix and apply it with `kvmnet apply --yes`; returns apply's run. */
	const applyFix = async (id: string) => kvmnet(['apply', await saveFix(id), '--yes']);
	async function undo() {
		const undone = await kvmnet(['undo', '--yes']);
		expect(undone.exitCode, undone.stdout + undone.stderr).toBe(0);
	}

	it("a VM whose network cannot start: the fix runs, and libvirt's own error says why; the overlap is seen too", async () => {
		expect(await check('network:clash')).toMatchObject({
			status: 'fail',
			seen: 'network clash is inactive and not started at boot',
			title: 'network clash (used by vm1)',
		});
		expect(await check('subnets')).toMatchObject({
			status: 'warn',
			seen: expect.stringContaining('network clash (10.98.0.0/24, inactive) overlaps 10.98.0.2/24 on lan0'),
		});
		const applied = await applyFix('network:clash');
		expect(applied.exitCode).toBe(1);
		expect(applied.stdout).toMatch(/Network is already in use by interface lan0/);
		expect((await daemon.virsh('net-info clash')).stdout).toMatch(/Active:\s+no/);
		// Without the clashing address, the same network starts.
		await inNs('ip', 'addr', 'del', '10.98.0.2/24', 'dev', 'lan0');
		expect((await check('subnets')).status).toBe('pass');
		const again = await applyFix('network:clash');
		expect(again.exitCode, again.stdout).toBe(0);
		expect(await check('network:clash')).toMatchObject({status: 'pass'});
		await undo();
		expect((await check('network:clash')).status).toBe('fail');
	});

	// Every forward-hook chain sees each packet: a native nftables chain with policy drop cuts NAT guests off even
	// though libvirt (iptables backend here, libvirt 9) accepts them in its own chains. Read from the real nft.
	it('forward-drop: a native nftables forward chain with policy drop, read from nft -j: no rules fails, accepts for the NAT bridges and their replies pass', async () => {
		expect((await check('forward-drop')).status).toBe('pass');
		await inNs('nft', 'add', 'table', 'inet', 'kvmtest');
		await inNs('nft', 'add chain inet kvmtest forward { type filter hook forward priority 0; policy drop; }');
		try {
			expect(await check('forward-drop')).toMatchObject({
				status: 'fail',
				seen: expect.stringContaining('nft chain inet kvmtest forward has policy drop and no rules'),
			});
			// The NAT networks' bridges (default's virbr0; clash's virbr9 if it runs).
			for (const bridge of ['virbr0', 'virbr9'])
				await inNs('nft', 'add', 'rule', 'inet', 'kvmtest', 'forward', 'iifname', bridge, 'accept');
			// Out, but not the replies back: still cut off.
			expect((await check('forward-drop')).status).toBe('warn');
			await inNs('nft', 'add', 'rule', 'inet', 'kvmtest', 'forward', 'ct', 'state', 'established,related', 'accept');
			expect((await check('forward-drop')).status).toBe('pass');
		} finally {
			await inNs('nft', 'delete', 'table', 'inet', 'kvmtest');
		}
		expect((await check('forward-drop')).status).toBe('pass');
	});

	it('an inactive default network warns; the fix starts it and undo stops it again', async () => {
		expect((await check('network:default')).status).toBe('pass');
		await daemon.virsh('net-destroy default');
		expect(await check('network:default')).toMatchObject({status: 'warn', seen: 'network default is inactive'});
		expect((await applyFix('network:default')).exitCode).toBe(0);
		expect((await check('network:default')).status).toBe('pass');
		await undo();
		expect((await check('network:default')).status).toBe('warn');
		await daemon.virsh('net-start default');
	});

	it('IP forwarding turned off under an active NAT network fails; the fix turns it on, undo off', async () => {
		// libvirt turned it on when it started the NAT network.
		expect((await check('forwarding')).status).toBe('pass');
		await inNs('sysctl', '-w', 'net.ipv4.ip_forward=0');
		expect(await check('forwarding')).toMatchObject({
			status: 'fail',
			seen: expect.stringContaining('net.ipv4.ip_forward = 0'),
		});
		// A fix saved, then made needless by hand: apply refuses it and changes nothing.
		const stale = await saveFix('forwarding');
		await inNs('sysctl', '-w', 'net.ipv4.ip_forward=1');
		expect(await kvmnet(['apply', stale, '--yes'])).toMatchObject({
			exitCode: 2,
			stderr: expect.stringContaining(
				'the check forwarding does not need this fix any more (it passes): run kvmnet doctor again',
			),
		});
		await inNs('sysctl', '-w', 'net.ipv4.ip_forward=0');
		expect((await applyFix('forwarding')).exitCode).toBe(0);
		expect((await inNs('sysctl', '-n', 'net.ipv4.ip_forward')).stdout.trim()).toBe('1');
		expect((await check('forwarding')).status).toBe('pass');
		await undo();
		expect((await check('forwarding')).status).toBe('fail');
		await inNs('sysctl', '-w', 'net.ipv4.ip_forward=1');
	});

	it("Docker's DROP policy with br_netfilter on fails for the bridged network; both fixes work and undo", async () => {
		await inNs(
			'sysctl',
			'-w',
			'net.bridge.bridge-nf-call-iptables=0',
			'net.bridge.bridge-nf-call-ip6tables=0',
			'net.bridge.bridge-nf-call-arptables=0',
		);
		expect((await check('bridge-netfilter')).status).toBe('pass');
		expect((await check('docker')).status).toBe('n/a');
		// What Docker does to a host: its chains, a DROP policy, and br_netfilter on.
		for (const argv of [
			['-N', 'DOCKER'],
			['-N', 'DOCKER-USER'],
			['-A', 'DOCKER-USER', '-j', 'RETURN'],
			['-I', 'FORWARD', '-j', 'DOCKER-USER'],
			['-P', 'FORWARD', 'DROP'],
		])
			await inNs('iptables', ...argv);
		await inNs('sysctl', '-w', 'net.bridge.bridge-nf-call-iptables=1', 'net.bridge.bridge-nf-call-ip6tables=1');
		expect(await check('docker')).toMatchObject({
			status: 'fail',
			seen: 'Docker runs with FORWARD policy DROP, and nothing accepts brlan in DOCKER-USER',
		});
		expect((await check('bridge-netfilter')).status).toBe('fail');

		expect((await applyFix('docker')).exitCode).toBe(0);
		expect((await inNs('iptables', '-S', 'DOCKER-USER')).stdout).toContain(
			'-A DOCKER-USER -i brlan -o brlan -j ACCEPT',
		);
		expect((await check('docker')).status).toBe('pass');
		expect((await check('bridge-netfilter')).status).toBe('pass');
		await undo();
		expect((await check('docker')).status).toBe('fail');

		expect((await applyFix('bridge-netfilter')).exitCode).toBe(0);
		expect((await inNs('sysctl', '-n', 'net.bridge.bridge-nf-call-iptables')).stdout.trim()).toBe('0');
		expect((await check('bridge-netfilter')).status).toBe('pass');
		await undo();
		expect((await check('bridge-netfilter')).status).toBe('fail');

		// A blanket DROP in DOCKER-USER cuts off every VM bridge, NAT ones too, whatever the policy.
		await inNs('iptables', '-P', 'FORWARD', 'ACCEPT');
		await inNs('iptables', '-I', 'DOCKER-USER', '-j', 'DROP');
		expect(await check('docker')).toMatchObject({
			status: 'fail',
			seen: expect.stringMatching(
				/^DOCKER-USER has "-A DOCKER-USER -j DROP", which drops VM traffic on .*brlan.*virbr0/,
			),
		});
		await inNs('iptables', '-D', 'DOCKER-USER', '-j', 'DROP');
		expect((await check('docker')).status).toBe('pass');
	});

	it("libvirt's firewall rules flushed away fail; restarting the network puts them back", async () => {
		expect(await check('libvirt-firewall')).toMatchObject({
			status: 'pass',
			seen: expect.stringContaining('iptables chains LIBVIRT_*'),
		});
		for (const chain of ['LIBVIRT_FWO', 'LIBVIRT_FWI', 'LIBVIRT_FWX']) await inNs('iptables', '-F', chain);
		expect(await check('libvirt-firewall')).toMatchObject({
			status: 'fail',
			seen: 'the LIBVIRT_* chains have no rules for default (virbr0)',
		});
		await daemon.virsh('net-destroy default; net-start default');
		expect((await check('libvirt-firewall')).status).toBe('pass');
	});

	it("a program bound to 0.0.0.0:53 fails (named, with its pid); libvirt's own dnsmasq does not count", async () => {
		expect((await check('dns-dhcp-ports')).status).toBe('pass');
		const listener = spawn(
			'ip',
			[
				'netns',
				'exec',
				daemon.namespace,
				process.execPath,
				'-e',
				"require('dgram').createSocket({type: 'udp4', reuseAddr: true}).bind(53, '0.0.0.0', () => console.log('bound'))",
			],
			{stdio: ['ignore', 'pipe', 'inherit']},
		);
		children.push(listener);
		await new Promise((resolve) => listener.stdout!.once('data', resolve));
		const result = await check('dns-dhcp-ports');
		expect(result.status).toBe('fail');
		expect(result.seen).toMatch(
			/^node \(pid \d+\) on udp 0\.0\.0\.0:53, while clash, default need DNS\/DHCP from libvirt$/,
		);
		listener.kill('SIGKILL');
		await new Promise((resolve) => listener.once('exit', resolve));
		expect((await check('dns-dhcp-ports')).status).toBe('pass');
	});

	it('a running firewalld warns', async () => {
		expect((await check('host-firewall')).status).toBe('pass');
		// A process named firewalld (a copy of sleep): what the check looks for in /proc.
		const fake = join(work, 'firewalld');
		copyFileSync('/bin/sleep', fake);
		const firewalld = spawn(fake, ['60'], {stdio: 'ignore'});
		children.push(firewalld);
		try {
			expect(await check('host-firewall')).toMatchObject({status: 'warn', seen: 'firewalld active'});
		} finally {
			firewalld.kill('SIGKILL');
		}
	});

	it('routes from router advertisements with accept_ra 1 fail under an IPv6 network; libvirt refuses it too; accept_ra 2 fixes both', async () => {
		expect((await check('ipv6-ra')).status).toBe('n/a');
		// A router next door: dnsmasq in its own namespace advertises fd00:55::/64, the host side takes a default route.
		const router = await Namespace.create('ra');
		try {
			await run([
				'ip',
				'-n',
				daemon.namespace,
				'link',
				'add',
				'lanra',
				'type',
				'veth',
				'peer',
				'name',
				'rarouter',
				'netns',
				router.name,
			]);
			await inNs('ip', 'link', 'set', 'lanra', 'up');
			await router.exec(['ip', 'addr', 'add', 'fd00:55::1/64', 'dev', 'rarouter', 'nodad']);
			await router.exec(['ip', 'link', 'set', 'rarouter', 'up']);
			const dnsmasq = startDnsmasq(router.name, [
				'--port=0',
				'--enable-ra',
				'--dhcp-range=fd00:55::,ra-only',
				// An advertisement every 4 s (the default backs off to minutes): see the wait below.
				'--ra-param=rarouter,4,1800',
				'--interface=rarouter',
				'--bind-interfaces',
			]);
			children.push(dnsmasq);
			let routes = '';
			for (let i = 0; i < 100 && !/proto ra/.test(routes); i++) {
				await new Promise((r) => setTimeout(r, 200));
				routes = (await inNs('ip', '-6', 'route', 'show', 'dev', 'lanra')).stdout;
			}
			expect(routes).toMatch(/default via fe80::\S+ proto ra/);
			expect((await check('ipv6-ra')).status).toBe('n/a');

			const v6 = join(work, 'v6nat.xml');
			writeFileSync(
				v6,
				"<network><name>v6nat</name><forward mode='nat'/><bridge name='virbr6'/><ip address='10.96.0.1' netmask='255.255.255.0'/><ip family='ipv6' address='fd00:96::1' prefix='64'/></network>",
			);
			expect((await daemon.virsh(`net-define ${v6}`)).exitCode).toBe(0);
			expect(await check('ipv6-ra')).toMatchObject({
				status: 'fail',
				seen: 'lanra (accept_ra 1) has routes from router advertisements, and v6nat needs IPv6 forwarding',
			});
			await expect(daemon.virsh('net-start v6nat')).rejects.toThrow(
				'interface lanra has kernel autoconfigured IPv6 routes',
			);

			expect((await applyFix('ipv6-ra')).exitCode).toBe(0);
			expect((await inNs('sysctl', '-n', 'net.ipv6.conf.lanra.accept_ra')).stdout.trim()).toBe('2');
			expect(await check('ipv6-ra')).toMatchObject({
				status: 'pass',
				seen: 'routes from router advertisements only on lanra (accept_ra 2)',
			});
			await daemon.virsh('net-start v6nat');
			// Forwarding is on now, and the advertised default route is there: turning forwarding on can drop the
			// routes learned from advertisements until the next one arrives (seen here), so it is waited for.
			expect((await inNs('sysctl', '-n', 'net.ipv6.conf.all.forwarding')).stdout.trim()).toBe('1');
			let defaults = '';
			for (let i = 0; i < 75 && !/proto ra/.test(defaults); i++) {
				defaults = (await inNs('ip', '-6', 'route', 'show', 'default')).stdout;
				if (!/proto ra/.test(defaults)) await new Promise((r) => setTimeout(r, 200));
			}
			expect(defaults).toMatch(/via fe80::\S+ dev lanra proto ra/);

			await undo();
			expect((await inNs('sysctl', '-n', 'net.ipv6.conf.lanra.accept_ra')).stdout.trim()).toBe('1');
		} finally {
			await daemon.virsh('net-destroy v6nat').catch(() => undefined);
			await daemon.virsh('net-undefine v6nat').catch(() => undefined);
			await router.destroy();
		}
	});
});
