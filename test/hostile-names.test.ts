// Names that look like virsh options, non-ASCII and quoted names, and links whose names hold terminal escape
// sequences, on a real libvirtd in a namespace with Open vSwitch: every object is listed once with its exact name,
// nothing raw reaches the terminal (plain text, doctor, the TUI in tmux), the NIC list is complete, the planner
// sees every network's bridge and subnet, and plans and doctor fixes reach the right object through virsh.
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import type {Plan} from '../source/core/plan.js';
import {cliPath, inventoryJson, runCli} from './harness/cli.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot, run} from './harness/netns.js';
import {Ovs} from './harness/ovs.js';
import {TmuxSession} from './harness/tmux.js';

// Any byte a terminal may act on (C0 but newline and tab, DEL, C1).
const rawControl = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

// Every network: its name, bridge and IPv4 gateway. `default` and `--network=default` must each keep their own.
// café sits on virbr0 and the first /24 the planner would offer; it is inactive, so only libvirt knows of it.
const networks: {name: string; bridge: string; ip?: string}[] = [
	{name: 'default', bridge: 'virbr1', ip: '10.205.0.1'},
	{name: '--network=default', bridge: 'virbr6', ip: '10.206.0.1'},
	{name: '--all', bridge: 'virbr7'},
	{name: '--inactive', bridge: 'virbr8', ip: '10.208.0.1'},
	{name: 'café', bridge: 'virbr0', ip: '192.168.100.1'},
	{name: `it's "q"`, bridge: 'virbr10'},
	{name: 'a b', bridge: 'virbr11'},
	{name: 'back\\slash', bridge: 'virbr12'},
	// Found while writing this test: libvirt keeps leading and trailing spaces and tabs in names.
	{name: ' lead', bridge: 'virbr13'},
	{name: 'trail ', bridge: 'virbr14'},
	{name: 'tab\there', bridge: 'virbr15'},
	{name: 'x<y&z', bridge: 'virbr16'},
];
// Every VM (defined, not started) and the network its one interface names.
const vms: {name: string; network: string}[] = [
	{name: 'victim', network: 'default'},
	{name: '--domain=victim', network: '--network=default'},
	{name: '--all', network: 'default'},
	{name: '--inactive', network: 'default'},
	{name: 'café', network: 'café'},
	{name: `it's "q"`, network: 'default'},
	{name: 'a b', network: 'a b'},
	{name: 'back\\slash', network: 'default'},
	{name: ' lead', network: ' lead'},
	{name: 'trail ', network: 'default'},
	{name: 'tab\there', network: 'default'},
];
// Links in the namespace named with escape sequences: ESC[2J clears the screen, ESC]2;…BEL retitles the terminal,
// U+009B is CSI on terminals that take C1 controls. dummy links are not available in this kernel.
const veth = 'x\x1b[2J';
const vethPeer = 'y\x071';
const retitle = 'b\x1b]2;pwned\x07';
const csi = 'c\u009b2J';
const del = 'd\x7f';
const ovsClear = 'o\x1b[2J';
const ovsRetitle = 'p\x1b]2;pwned\x07';
// A process bound to 0.0.0.0:53 whose name (/proc/PID/comm) retitles the terminal; the doctor names it.
const processName = '\x1b]2;pwned\x07';

const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
const networkXml = ({name, bridge, ip}: (typeof networks)[number]) =>
	`<network><name>${xmlEscape(name)}</name><bridge name='${bridge}'/>${ip ? `<ip address='${ip}' prefix='24'><dhcp><range start='${ip.replace(/1$/, '100')}' end='${ip.replace(/1$/, '150')}'/></dhcp></ip>` : ''}</network>`;
const domainXml = ({name, network}: (typeof vms)[number], index: number) =>
	`<domain type='qemu'><name>${xmlEscape(name)}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os><devices><interface type='network'><source network='${xmlEscape(network)}'/><mac address='52:54:00:aa:00:${index.toString(16).padStart(2, '0')}'/></interface></devices></domain>`;

describe.skipIf(!isRoot)('hostile names on a real libvirtd, links and OVS in a namespace', () => {
	let daemon: Libvirtd;
	let ovs: Ovs;
	let env: Record<string, string>;
	let model: HostModel;
	let listener: ChildProcess | undefined;
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-hn-'));
	const file = (name: string, text: string) => {
		const path = join(work, name);
		writeFileSync(path, text);
		return path;
	};
	const kvmnet = (args: string[]) => runCli(args, {namespace: daemon.namespace, env});

	beforeAll(async () => {
		daemon = await Libvirtd.start('hn');
		ovs = await new Ovs().start(daemon.namespace);
		env = {...ovs.env, KVMNET_STATE_DIR: join(work, 'state'), KVMNET_NETWORK_MANAGER: 'iproute2'};
		for (const [i, network] of networks.entries())
			await daemon.virsh(`net-define ${file(`net${i}.xml`, networkXml(network))}`);
		for (const [i, vm] of vms.entries()) await daemon.virsh(`define ${file(`vm${i}.xml`, domainXml(vm, i))}`);
		// The option form reaches the network or VM whose name looks like an option (virsh's own syntax here).
		await daemon.virsh(
			'net-start --network default; net-start --network --all; net-autostart --network --inactive; autostart --domain --all',
		);
		await run(['ip', '-n', daemon.namespace, 'link', 'add', veth, 'type', 'veth', 'peer', 'name', vethPeer]);
		for (const name of [retitle, csi, del])
			await run(['ip', '-n', daemon.namespace, 'link', 'add', name, 'type', 'bridge']);
		// The host's own LAN: the planner must not offer it either. The alias ends in a raw \x01 in ip's JSON.
		await run(['ip', '-n', daemon.namespace, 'addr', 'add', '192.168.101.1/24', 'dev', veth]);
		await run(['ip', '-n', daemon.namespace, 'link', 'set', veth, 'alias', 'lan\nuplink\x01']);
		await run(['ip', '-n', daemon.namespace, 'link', 'set', veth, 'up']);
		for (const name of [ovsClear, ovsRetitle]) await ovs.addBridge(name);
		listener = spawn(
			'ip',
			[
				'netns',
				'exec',
				daemon.namespace,
				process.execPath,
				'-e',
				`require('fs').writeFileSync('/proc/self/comm', ${JSON.stringify(processName)}); require('dgram').createSocket({type: 'udp4', reuseAddr: true}).bind(53, '0.0.0.0', () => console.log('bound'))`,
			],
			{stdio: ['ignore', 'pipe', 'inherit']},
		);
		await new Promise((resolve) => listener!.stdout!.once('data', resolve));
		model = await inventoryJson(['--connect', daemon.uri], {namespace: daemon.namespace, env});
	});

	afterAll(async () => {
		if (listener?.pid !== undefined && listener.exitCode === null) {
			listener.kill('SIGKILL');
			await new Promise((resolve) => listener!.once('exit', resolve));
		}
		await ovs?.stop();
		await daemon?.stop();
		rmSync(work, {recursive: true, force: true});
	});

	it('libvirt refuses "/", a newline and ESC in names (so these are not tested as libvirt names)', async () => {
		for (const [i, name] of ['sl/ash', 'new\nline'].entries()) {
			await expect(
				daemon.virsh(`net-define ${file(`bad-net${i}.xml`, networkXml({name, bridge: `virbr9${i}`}))}`),
			).rejects.toThrow(/invalid char in name|cannot contain/);
			await expect(
				daemon.virsh(`define ${file(`bad-vm${i}.xml`, domainXml({name, network: 'default'}, 0x80 + i))}`),
			).rejects.toThrow(/invalid char in name|cannot contain/);
		}
		// XML 1.0 has no way to write ESC or BEL, so no libvirt object can be named with them.
		await expect(
			daemon.virsh(`net-define ${file('bad-esc.xml', '<network><name>e\x1bx</name></network>')}`),
		).rejects.toThrow(/invalid Char value 27/);
	});

	it('lists every network and VM exactly once, with its exact name, state, bridge and subnet', () => {
		expect(model.problems.filter((p) => p.area === 'libvirt')).toEqual([]);
		expect(model.networks.map((n) => n.name).sort()).toEqual(networks.map((n) => n.name).sort());
		for (const expected of networks) {
			const network = model.networks.find((n) => n.name === expected.name)!;
			expect(network, expected.name).toMatchObject({
				bridge: expected.bridge,
				active: expected.name === 'default' || expected.name === '--all',
				autostart: expected.name === '--inactive',
			});
			expect(network.ips.map((ip) => ip.address)).toEqual(expected.ip ? [expected.ip] : []);
		}
		expect(model.vms.map((vm) => vm.name).sort()).toEqual(vms.map((vm) => vm.name).sort());
		for (const expected of vms) {
			const vm = model.vms.find((v) => v.name === expected.name)!;
			expect(vm, expected.name).toMatchObject({
				state: 'shut off',
				persistent: true,
				autostart: expected.name === '--all',
				interfaces: [expect.objectContaining({type: 'network', source: expected.network})],
			});
		}
	});

	it('lists every link, including those whose names and aliases hold control characters', () => {
		expect(model.problems.filter((p) => p.area === 'nics')).toEqual([]);
		const names = model.nics.map((n) => n.name);
		for (const name of ['lo', veth, vethPeer, retitle, csi, del, ovsClear, ovsRetitle, 'virbr1', 'virbr7'])
			expect(names, JSON.stringify(name)).toContain(name);
		expect(model.nics.find((n) => n.name === veth)).toMatchObject({
			kind: 'veth',
			parent: vethPeer,
			addresses: [expect.objectContaining({address: '192.168.101.1', prefix: 24})],
		});
		expect(model.bridges.map((b) => b.name)).toEqual(expect.arrayContaining([retitle, csi, del, ovsClear, ovsRetitle]));
		expect(model.bridges.find((b) => b.name === ovsRetitle)).toMatchObject({type: 'ovs'});
	});

	it('prints the inventory as text with every control character made visible', async () => {
		const result = await kvmnet(['inventory', '--connect', daemon.uri]);
		expect(result.exitCode, result.stderr).toBe(0);
		expect(rawControl.test(result.stdout)).toBe(false);
		for (const shown of [
			'x\\e[2J',
			'y^G1',
			'b\\e]2;pwned^G',
			'c\\x9b2J',
			'd^?',
			'o\\e[2J',
			'p\\e]2;pwned^G',
			'tab^Ihere',
			'--network=default',
			'café',
			`it's "q"`,
			'back\\slash',
		]) {
			expect(result.stdout, shown).toContain(shown);
		}
		// The rows of the two lookalike networks keep their own bridges and subnets.
		expect(result.stdout).toMatch(/^default +isolated +active +no +virbr1 +10\.205\.0\.1\/24/m);
		expect(result.stdout).toMatch(/^--network=default +isolated +inactive +no +virbr6 +10\.206\.0\.1\/24/m);
	});

	it('the doctor names the process on port 53 with its name made visible, in text; JSON keeps it exact', async () => {
		const text = await kvmnet(['doctor', '--connect', daemon.uri]);
		expect(rawControl.test(text.stdout)).toBe(false);
		expect(text.stdout).toMatch(/seen: \\e\]2;pwned\^G \(pid \d+\) on udp 0\.0\.0\.0:53/);
		const json = JSON.parse((await kvmnet(['doctor', '--json', '--connect', daemon.uri])).stdout) as {
			results: {id: string; seen: string}[];
		};
		expect(json.results.find((r) => r.id === 'dns-dhcp-ports')!.seen).toContain(`${processName} (pid `);
	});

	it("plans a network on a bridge and subnet nothing uses: not café's (virbr0, 192.168.100.0/24), not the LAN's", async () => {
		const result = await kvmnet(['plan', '--mode', 'isolated', '--format', 'json', '--connect', daemon.uri]);
		expect(result.exitCode, result.stderr).toBe(0);
		const plan = JSON.parse(result.stdout) as Plan;
		expect(plan.params).toMatchObject({bridge: 'virbr2', subnet: '192.168.102.0/24'});
	});

	it('a doctor fix starts the network named --network=default, not default', async () => {
		const out = join(work, 'fix');
		const saved = await kvmnet(['doctor', '--fix', 'network:--network=default', '--out', out, '--connect', daemon.uri]);
		expect(saved.exitCode, saved.stderr).toBe(0);
		const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as Plan;
		expect(plan.steps[0]!.run.slice(3)).toEqual(['net-start', '--network', '--network=default']);
		const applied = await kvmnet(['apply', join(out, 'plan.json'), '--yes', '--connect', daemon.uri]);
		expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
		expect((await daemon.virsh('net-info --network --network=default')).stdout).toMatch(/Active:\s+yes/);
		expect((await daemon.exec(['ip', '-j', 'addr', 'show', 'dev', 'virbr6'])).stdout).toContain('10.206.0.1');
		const undone = await kvmnet(['undo', '--yes', '--connect', daemon.uri]);
		expect(undone.exitCode, undone.stdout + undone.stderr).toBe(0);
		expect((await daemon.virsh('net-info --network --network=default')).stdout).toMatch(/Active:\s+no/);
		expect((await daemon.virsh('net-info --network default')).stdout).toMatch(/Active:\s+yes/);
	});

	it('a plan attaches to the VMs named --all and --domain=victim, and undo detaches them', async () => {
		const out = join(work, 'plan');
		const saved = await kvmnet([
			'plan',
			'--mode',
			'isolated',
			'--name',
			'hn-iso',
			'--vms=--all,--domain=victim',
			'--out',
			out,
			'--connect',
			daemon.uri,
		]);
		expect(saved.exitCode, saved.stderr).toBe(0);
		const applied = await kvmnet(['apply', join(out, 'plan.json'), '--yes', '--connect', daemon.uri]);
		expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
		const interfaces = async (vm: string) => (await daemon.virsh(`domiflist --domain ${vm} --inactive`)).stdout;
		expect(await interfaces('--all')).toContain('hn-iso');
		expect(await interfaces('--domain=victim')).toContain('hn-iso');
		expect(await interfaces('victim')).not.toContain('hn-iso');
		const undone = await kvmnet(['undo', '--yes', '--connect', daemon.uri]);
		expect(undone.exitCode, undone.stdout + undone.stderr).toBe(0);
		expect(await interfaces('--all')).not.toContain('hn-iso');
		expect(await interfaces('--domain=victim')).not.toContain('hn-iso');
	});

	describe('the TUI in tmux at 80x24', () => {
		let session: TmuxSession | undefined;
		afterAll(async () => {
			await session?.kill();
		});

		it('a raw OSC 2 sequence would retitle the pane (so the check below can fail)', async () => {
			const probe = await TmuxSession.start(['sh', '-c', "printf '\\033]2;pwned\\007'; sleep 30"]);
			try {
				for (let i = 0; i < 40 && (await probe.display('#{pane_title}')) !== 'pwned'; i++)
					await new Promise((resolve) => setTimeout(resolve, 50));
				expect(await probe.display('#{pane_title}')).toBe('pwned');
			} finally {
				await probe.kill();
			}
		});

		it('shows escaped names in every view and the details, and the pane keeps its title', async () => {
			const ns = daemon.namespace;
			session = await TmuxSession.start(
				['ip', 'netns', 'exec', ns, process.execPath, cliPath, '--connect', daemon.uri],
				{env: {OVS_RUNDIR: ovs.dir, OVS_DBDIR: ovs.dir}},
			);
			await session.waitFor('Path from NICs to VMs', 15_000);
			const title = await session.display('#{pane_title}');
			expect(title).not.toContain('pwned');
			await session.keys('2');
			const nics = await session.waitFor('x\\e[2J');
			for (const shown of ['y^G1', 'b\\e]2;pwned^G', 'c\\x9b2J', 'd^?', 'o\\e[2J', 'p\\e]2;pwned^G'])
				expect(nics, shown).toContain(shown);
			await session.keys('4');
			const list = await session.waitFor('--network=default');
			for (const shown of ['--all', '--inactive', 'café', `it's "q"`, 'a b', 'back\\slash', 'tab^Ihere', 'x<y&z'])
				expect(list, shown).toContain(shown);
			expect(list).toMatch(/--network=default +isolated +inactive +no +virbr6 +10\.206\.0\.1\/24/);
			expect(list).toMatch(/ default +isolated +active +no +virbr1 +10\.205\.0\.1\/24/);
			// The VMs view, and the first VM's details with its XML: the name keeps its leading space.
			await session.keys('5', 'g', 'Enter');
			await session.waitFor('<name> lead</name>');
			// The doctor names the process on port 53; the bridge's details name it in the title.
			await session.keys('Escape', 'd');
			await session.waitFor(/Doctor: \d+ failed/);
			await session.keys('Escape', '3', 'g', 'Enter');
			await session.waitFor('Linux bridge b\\e]2;pwned^G');
			// Nothing the app drew retitled the pane or cleared the screen under it.
			expect(await session.display('#{pane_title}')).toBe(title);
			await session.keys('Escape', 'q');
			expect(await session.waitForExit()).toBe(0);
		});
	});
});
