// Remote hosts: a "laptop" namespace runs kvmnet; a "remote" namespace (its own hostname) runs a real libvirtd and a
// real sshd, joined to the laptop by a veth. Each side has links of its own, so every fact shown says where it was
// read; each side's sysctls and firewall differ, so the doctor's facts do too; and what an apply changes is looked
// for on both sides.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {execa, type ResultPromise} from 'execa';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {DoctorFacts} from '../source/core/doctor/index.js';
import type {HostModel} from '../source/core/model.js';
import type {Plan} from '../source/core/plan.js';
import {applyPlan} from '../source/host/apply.js';
import {runnerFor} from '../source/host/scan.js';
import {bridgePlanArgs, cliPath, runCli} from './harness/cli.js';
import {namespaceSnapshot} from './harness/snapshot.js';
import {TmuxSession} from './harness/tmux.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot, Namespace, probeLeftovers, run, vethBetween} from './harness/netns.js';
import {haveSshd, Sshd} from './harness/sshd.js';

const remoteAddress = '10.78.0.2';
const laptopAddress = '10.78.0.50';
const remoteHostname = 'kvmt-remote-kvm2';

describe.skipIf(!isRoot || !haveSshd)('a remote host over qemu+ssh', () => {
	let daemon: Libvirtd;
	let laptop: Namespace;
	let sshd: Sshd;
	let uri: string;
	let socket: string;
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-remote-'));
	const natXml = join(work, 'rnat.xml');
	// The remote's own state directory (its sshd sets KVMNET_STATE_DIR, as a host's configuration would): kvmnet's
	// agent, its journals and its guard logs are there, apart from the laptop's.
	const remoteState = join(work, 'remote-state');
	const journalsIn = (state: string) =>
		existsSync(join(state, 'journals'))
			? readdirSync(join(state, 'journals')).filter((name) => name.endsWith('.json'))
			: [];
	// The laptop's links, addresses, routes and forwarding: what nothing remote may change.
	const laptopState = async () => ({
		links: JSON.parse((await laptop.exec(['ip', '-j', 'addr'])).stdout) as unknown,
		routes: (await laptop.exec(['ip', 'route', 'show', 'table', 'all'])).stdout,
		forwarding: await sysctl(laptop.name, 'net.ipv4.ip_forward'),
		firewall: (await laptop.exec(['iptables', '-S'])).stdout,
	});
	const env = () => ({
		...(process.env as Record<string, string>),
		KVMNET_STATE_DIR: join(work, 'state'),
		KVMNET_NETWORK_MANAGER: 'iproute2',
	});
	const onLaptop = (args: string[]) => runCli(args, {namespace: laptop.name, env: env()});
	/** kvmnet's argv in the laptop's namespace, for a test that drives the process itself (signals, tmux, strace). */
	const laptopArgv = (args: string[]) => ['ip', 'netns', 'exec', laptop.name, process.execPath, cliPath, ...args];
	/**
	 * `kvmnet apply PLAN --yes … -c uri` on the laptop as a process of its own; `act` runs once, as soon as the log
	 * shows step `step` begun (to kill or signal something mid-apply). ip netns exec becomes kvmnet (exec): the
	 * child's pid is kvmnet's own.
	 */
	const applyOnLaptop = async (plan: string, extra: string[], step: number, act: (child: ResultPromise) => void) => {
		const child = execa('ip', laptopArgv(['apply', plan, '--yes', ...extra, '-c', uri]).slice(1), {
			env: env(),
			reject: false,
			stdin: 'ignore',
		});
		let output = '';
		let acted = false;
		child.stdout?.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			if (!acted && output.includes(`[${step}] `)) {
				acted = true;
				act(child);
			}
		});
		const result = await child;
		return {result, output, acted};
	};
	const onLaptopPlan = (name: string, bridge: string, uplink: string, out: string, to: string) =>
		onLaptop([...bridgePlanArgs({name, bridge, uplink, out}), '-c', to]);
	const planBridge = (name: string, bridge: string, uplink: string, out: string) =>
		onLaptopPlan(name, bridge, uplink, out, uri);
	const sysctl = async (ns: string, key: string) =>
		(await run(['ip', 'netns', 'exec', ns, 'sysctl', '-n', key])).stdout.trim();

	beforeAll(async () => {
		daemon = await Libvirtd.start('remote');
		laptop = await Namespace.create('rlaptop');
		await vethBetween(laptop.name, 'lap0', daemon.namespace, 'uplink0');
		await laptop.ipBatch([
			'link set lap0 up',
			`addr add ${laptopAddress}/24 dev lap0`,
			'link add laptoponly0 type veth peer name laptoponly1',
		]);
		await run(['ip', '-n', daemon.namespace, '-batch', '-'], {
			input: [
				'link set uplink0 up',
				`addr add ${remoteAddress}/24 dev uplink0`,
				'route add default via 10.78.0.1',
				'link add remoteonly0 type veth peer name remoteonly1',
				// A second NIC on the remote that does not carry the ssh connection, to bridge.
				'link add lan1 type veth peer name lan1p',
				'link set lan1 up',
				'link set lan1p up',
				'addr add 10.79.0.2/24 dev lan1',
				'',
			].join('\n'),
		});
		// Different facts on each side: IPv6 forwarding on the laptop only; a FORWARD policy of DROP on the laptop only.
		await run(['ip', 'netns', 'exec', laptop.name, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
		await run(['ip', 'netns', 'exec', laptop.name, 'iptables', '-P', 'FORWARD', 'DROP']);
		// A NAT network on the remote (the doctor's forwarding check needs one active), then forwarding off on both sides.
		writeFileSync(
			natXml,
			"<network><name>rnat</name><forward mode='nat'/><bridge name='virbr-rnat'/><ip address='192.168.178.1' netmask='255.255.255.0'/></network>",
		);
		await daemon.virsh(`net-define ${natXml}; net-start rnat`);
		await run(['ip', 'netns', 'exec', daemon.namespace, 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);
		await run(['ip', 'netns', 'exec', laptop.name, 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);
		sshd = await Sshd.start(daemon.namespace, remoteAddress, remoteHostname, {
			env: {KVMNET_STATE_DIR: remoteState, KVMNET_NETWORK_MANAGER: 'iproute2'},
		});
		socket = daemon.uri.split('socket=')[1]!;
		uri = sshd.uri(socket);
		writeFileSync(join(work, 'empty_known_hosts'), '');
	});

	afterAll(async () => {
		// A guard the agent left watching (a test that failed half-way): stopped by its pid, found by its journal.
		await run(['pkill', '-KILL', '-f', `${remoteState}/agent/`]).catch(() => undefined);
		await sshd?.stop();
		await daemon?.stop();
		await laptop?.destroy();
		rmSync(work, {recursive: true, force: true});
	});

	it('inventory --json lists only the remote’s links, its hostname, kvmnet’s own SSH path there, and its libvirt', async () => {
		const result = await onLaptop(['inventory', '--json', '-c', uri]);
		expect(`${result.exitCode} ${result.stderr}`).toBe('0 ');
		const model = JSON.parse(result.stdout) as HostModel;
		const names = model.nics.map((n) => n.name);
		expect(names).toEqual(expect.arrayContaining(['uplink0', 'remoteonly0', 'lan1', 'lo']));
		expect(names).not.toContain('lap0');
		expect(names).not.toContain('laptoponly0');
		expect(model.header.hostname).toBe(remoteHostname);
		expect(model.header.remote).toEqual({via: `ssh root@${remoteAddress}:2222`, hostFacts: true});
		expect(model.header.ssh).toMatchObject({clientAddress: laptopAddress, interface: 'uplink0'});
		expect(model.header.libvirt).toMatchObject({uri, reachable: true});
		expect(model.header.isRoot).toBe(true);
		expect(model.networks.map((n) => n.name)).toContain('rnat');
		// Every command ran on the remote, through ssh: the history is the host side's argv, and virsh got the host's
		// own URI (the transport parameters stay on this side).
		const virsh = model.scan.commands.find((argv) => argv[0] === 'virsh');
		expect(virsh).toContain(`qemu:///system?socket=${socket}`);
		// This remote has OVS installed but not running (it shares this machine's files): said, and nothing else.
		expect(model.problems.filter((p) => p.area !== 'ovs')).toEqual([]);
	});

	it('the doctor reads the remote’s sysctls and firewall, not the laptop’s', async () => {
		const result = await onLaptop(['doctor', '--json', '-c', uri]);
		const report = JSON.parse(result.stdout) as {hostname: string; facts: DoctorFacts; results: {id: string}[]};
		expect(report.hostname).toBe(remoteHostname);
		expect(report.facts.sysctl['net.ipv6.conf.all.forwarding']).toBe('0');
		expect(await sysctl(laptop.name, 'net.ipv6.conf.all.forwarding')).toBe('1');
		expect('rules' in report.facts.iptables && report.facts.iptables.rules).toContain('-P FORWARD ACCEPT');
		expect(report.results.find((r) => r.id === 'forwarding')).toMatchObject({status: 'fail'});
		// The commands the text suggests reach the same host: pasted as printed, they do not fall back to this one.
		const text = await onLaptop(['doctor', '-c', uri]);
		expect(text.stdout).toContain(
			`kvmnet doctor --fix forwarding -c '${uri}' --out DIR, then kvmnet apply DIR/plan.json -c '${uri}'`,
		);
	});

	it('probe -c measures a network of the remote on the remote (the host’s kvmnet runs it), and leaves nothing', async () => {
		const xml = join(work, 'rprobe.xml');
		writeFileSync(
			xml,
			"<network><name>rprobe</name><bridge name='virbr-rprobe'/><ip address='192.168.179.1' prefix='24'><dhcp><range start='192.168.179.10' end='192.168.179.20'/></dhcp></ip></network>",
		);
		await daemon.virsh(`net-define ${xml}; net-start rprobe`);
		try {
			const laptopBefore = await laptopState();
			const result = await onLaptop(['probe', 'rprobe', '--json', '-c', uri]);
			expect(result.exitCode, result.stderr).toBe(0);
			const report = JSON.parse(result.stdout) as {
				network: string;
				mode: string;
				checks: {id: string; result: string; evidence: string}[];
			};
			expect(report).toMatchObject({network: 'rprobe', mode: 'isolated'});
			const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
			expect(byId['dhcp']).toMatchObject({result: 'pass'});
			expect(byId['dhcp']!.evidence).toMatch(/lease of 192\.168\.179\.\d+ obtained/);
			expect(byId['guest-guest']).toMatchObject({result: 'pass'});
			expect(await laptopState()).toEqual(laptopBefore);
			expect(await probeLeftovers()).toEqual([]);
			expect((await daemon.exec(['ip', '-o', 'link', 'show'])).stdout).not.toMatch(/\bkvp\d+[ab]\b/);
			// A network the remote does not have is said, with the remote's networks.
			const missing = await onLaptop(['probe', 'nope', '-c', uri]);
			expect(missing.exitCode).toBe(2);
			expect(missing.stderr).toMatch(/there is no network "nope" on kvmt-remote-kvm2 \(networks: .*rnat/);
		} finally {
			await daemon.virsh('net-destroy rprobe; net-undefine rprobe');
		}
	}, 120_000);

	it('a doctor fix applied from the laptop changes only the remote, and undo puts it back', async () => {
		const out = join(work, 'fix-forwarding');
		const saved = await onLaptop(['doctor', '--fix', 'forwarding', '--out', out, '-c', uri]);
		expect(saved.exitCode, saved.stderr).toBe(0);
		const laptopBefore = await laptopState();
		const applied = await onLaptop(['apply', join(out, 'plan.json'), '--yes', '-c', uri]);
		expect(applied.exitCode, applied.stderr + applied.stdout).toBe(0);
		expect(await sysctl(daemon.namespace, 'net.ipv4.ip_forward')).toBe('1');
		expect(await sysctl(laptop.name, 'net.ipv4.ip_forward')).toBe('0');
		expect(await laptopState()).toEqual(laptopBefore);
		// kvmnet ran on the remote: its journal is there, and the laptop has none to undo.
		expect(journalsIn(remoteState)).toHaveLength(1);
		expect(journalsIn(join(work, 'state'))).toEqual([]);
		const unnamed = await onLaptop(['undo', '--yes']);
		expect(unnamed.exitCode).toBe(2);
		expect(unnamed.stderr).toMatch(/there is nothing to undo/);
		expect(await sysctl(daemon.namespace, 'net.ipv4.ip_forward')).toBe('1');
		const undone = await onLaptop(['undo', '--yes', '-c', uri]);
		expect(undone.exitCode, undone.stderr + undone.stdout).toBe(0);
		expect(await sysctl(daemon.namespace, 'net.ipv4.ip_forward')).toBe('0');
		expect(await laptopState()).toEqual(laptopBefore);
		// Nothing left: the remote's kvmnet says so, and the command it suggests names the remote as the laptop does.
		const again = await onLaptop(['undo', '--yes', '-c', uri]);
		expect(again.exitCode).toBe(2);
		expect(again.stderr).toContain(`there is nothing to undo`);
		expect(again.stderr).toContain(`kvmnet undo --list -c '${uri}')`);
	});

	it('a host bridge over a remote NIC is made there, the laptop untouched, and undo restores the remote exactly', async () => {
		const out = join(work, 'bridge-lan1');
		const planned = await planBridge('rlan', 'br-lan1', 'lan1', out);
		expect(planned.exitCode, planned.stderr).toBe(0);
		const [remoteBefore, laptopBefore] = [await namespaceSnapshot(daemon, {}), await laptopState()];
		// Applied with the key at another path (as from another machine): the same host, so the same plan.
		const key = join(work, 'key-elsewhere');
		writeFileSync(key, readFileSync(sshd.keyfile), {mode: 0o600});
		const elsewhere = uri.replace(`keyfile=${sshd.keyfile}`, `keyfile=${key}`);
		expect(elsewhere).not.toBe(uri);
		const applied = await onLaptop(['apply', join(out, 'plan.json'), '--yes', '-c', elsewhere]);
		expect(applied.exitCode, applied.stderr + applied.stdout).toBe(0);
		const link = JSON.parse((await daemon.exec(['ip', '-j', 'link', 'show', 'lan1'])).stdout) as {master?: string}[];
		expect(link[0]?.master).toBe('br-lan1');
		expect((await daemon.virsh('net-list --all --name')).stdout).toContain('rlan');
		expect(await laptopState()).toEqual(laptopBefore);
		const undone = await onLaptop(['undo', '--yes', '-c', uri]);
		expect(undone.exitCode, undone.stderr + undone.stdout).toBe(0);
		expect(await namespaceSnapshot(daemon, {})).toEqual(remoteBefore);
		expect(await laptopState()).toEqual(laptopBefore);
	});

	it('a bridge over the uplink that carries kvmnet’s own ssh connection: applied by kvmnet on the remote, confirmed over a new connection, undone exactly', async () => {
		const out = join(work, 'bridge-uplink0');
		const planned = await planBridge('rup', 'br-up', 'uplink0', out);
		expect(planned.exitCode, planned.stderr).toBe(0);
		const [remoteBefore, laptopBefore] = [await namespaceSnapshot(daemon, {}), await laptopState()];
		const applied = await onLaptop(['apply', join(out, 'plan.json'), '--yes', '--guard-seconds', '30', '-c', uri]);
		expect(applied.exitCode, applied.stderr + applied.stdout).toBe(0);
		expect(applied.stdout).toMatch(/Guard started \(pid \d+\)/);
		expect(applied.stdout).toContain(`Run "kvmnet confirm -c '${uri}'" within`);
		const link = JSON.parse((await daemon.exec(['ip', '-j', 'link', 'show', 'uplink0'])).stdout) as {master?: string}[];
		expect(link[0]?.master).toBe('br-up');
		expect(await laptopState()).toEqual(laptopBefore);
		const confirmed = await onLaptop(['confirm', '-c', uri]);
		expect(`${confirmed.exitCode} ${confirmed.stderr}${confirmed.stdout}`).toMatch(
			/^0 Confirmed: bridge rup stays applied/,
		);
		// Nothing waits for confirmation any more: said so (not an older journal's story).
		const twice = await onLaptop(['confirm', '-c', uri]);
		expect(`${twice.exitCode} ${twice.stderr}`).toMatch(
			/^2 kvmnet: no apply is waiting for confirmation \(the last one, bridge rup, was confirmed already\)/,
		);
		// Past the window: kept, since it was confirmed.
		const undone = await onLaptop(['undo', '--yes', '-c', uri]);
		expect(undone.exitCode, undone.stderr + undone.stdout).toBe(0);
		expect(undone.stdout).toMatch(/the guard \(pid \d+\) carries it out/);
		expect(await namespaceSnapshot(daemon, {})).toEqual(remoteBefore);
		expect(await laptopState()).toEqual(laptopBefore);
	});

	it('the laptop’s kvmnet killed mid-apply, nobody confirming: the guard on the remote restores it within the window', async () => {
		const out = join(work, 'bridge-uplink0-killed');
		const planned = await planBridge('rkill', 'br-kill', 'uplink0', out);
		expect(planned.exitCode, planned.stderr).toBe(0);
		const remoteBefore = await namespaceSnapshot(daemon, {});
		const {acted} = await applyOnLaptop(join(out, 'plan.json'), ['--guard-seconds', '10'], 3, (child) =>
			child.kill('SIGKILL'),
		);
		expect(acted).toBe(true);
		const journal = join(remoteState, 'journals', journalsIn(remoteState).sort().pop()!);
		let restored = false;
		for (let waited = 0; waited < 60_000 && !restored; waited += 500) {
			await new Promise((resolve) => setTimeout(resolve, 500));
			const record = JSON.parse(readFileSync(journal, 'utf8')) as {status: string};
			restored = record.status === 'undone' || record.status === 'rolled-back';
		}
		const record = JSON.parse(readFileSync(journal, 'utf8')) as {
			status: string;
			plan: {params: {name: string}};
			guard?: {actedAt?: string};
		};
		expect(record.plan.params.name).toBe('rkill');
		expect(record.status).toMatch(/^(undone|rolled-back)$/);
		expect(record.guard?.actedAt).toBeDefined();
		expect(await namespaceSnapshot(daemon, {})).toEqual(remoteBefore);
		// And the laptop reaches the remote again, over a new connection.
		const listed = await onLaptop(['undo', '--list', '-c', uri]);
		expect(listed.exitCode, listed.stderr).toBe(0);
		expect(listed.stdout).toMatch(/rkill/);
	});

	it('the connection lost mid-apply (its sshd process killed): the laptop says the outcome is not known yet (4), or how it ended; kvmnet there finishes, undo restores', async () => {
		const out = join(work, 'bridge-lan1-connection-lost');
		expect((await planBridge('rlost', 'br-lost', 'lan1', out)).exitCode).toBe(0);
		const before = await namespaceSnapshot(daemon, {});
		// The listener's children are the connections' own sshd processes: killed, the connection is gone, and
		// the listener still takes a new one.
		const listener = readFileSync(join(sshd.folder, 'sshd.pid'), 'utf8').trim();
		const {result, acted} = await applyOnLaptop(
			join(out, 'plan.json'),
			[],
			2,
			() => void run(['pkill', '-KILL', '-P', listener]).catch(() => undefined),
		);
		expect(acted).toBe(true);
		// Either the laptop's new connection found kvmnet there still at work (4, it goes on by itself), or already
		// done (0, and its journal says so). Never 1: nothing was rolled back.
		if (result.exitCode === 4) expect(result.stderr).toMatch(/goes on by itself|did not report its end/);
		else {
			expect(result.exitCode, result.stderr + result.stdout).toBe(0);
			expect(result.stdout).toMatch(/its journal there says how it ended: bridge rlost \(applied/);
		}
		let status = '';
		for (let waited = 0; waited < 30_000 && status !== 'applied'; waited += 500) {
			await new Promise((resolve) => setTimeout(resolve, 500));
			const journal = journalsIn(remoteState).sort().pop()!;
			status = (JSON.parse(readFileSync(join(remoteState, 'journals', journal), 'utf8')) as {status: string}).status;
		}
		expect(status).toBe('applied');
		const undone = await onLaptop(['undo', '--yes', '-c', uri]);
		expect(undone.exitCode, undone.stderr + undone.stdout).toBe(0);
		expect(await namespaceSnapshot(daemon, {})).toEqual(before);
	});

	it('Ctrl-C on the laptop mid-apply: kvmnet on the remote is asked to stop, and rolls back before the laptop returns', async () => {
		const out = join(work, 'bridge-lan1-interrupted');
		expect((await planBridge('rint', 'br-int', 'lan1', out)).exitCode).toBe(0);
		const before = await namespaceSnapshot(daemon, {});
		const {result, output} = await applyOnLaptop(join(out, 'plan.json'), [], 2, (child) => child.kill('SIGINT'));
		expect(output).toContain(
			`SIGINT: asking kvmnet on ssh root@${remoteAddress}:2222 to stop after the step under way`,
		);
		expect(output).toMatch(/Stopped from kvmnet on the machine that started this apply: stopped before step \d+/);
		// Rolled back there, and this kvmnet ends as a process stopped by SIGINT does.
		expect(result.exitCode, result.stderr).toBe(130);
		expect(await namespaceSnapshot(daemon, {})).toEqual(before);
	});

	it('kvmnet on the remote SIGKILLed mid-apply: the laptop says it stopped half-way, the TUI offers to undo it, u restores the remote', async () => {
		const out = join(work, 'bridge-lan1-agent-killed');
		expect((await planBridge('ragent', 'br-agent', 'lan1', out)).exitCode).toBe(0);
		const before = await namespaceSnapshot(daemon, {});
		// kvmnet's own process on the remote (node running the agent's cli.js apply), by its command line.
		const {result, acted: killed} = await applyOnLaptop(
			join(out, 'plan.json'),
			[],
			3,
			() => void run(['pkill', '-KILL', '-f', `${remoteState}/agent/[0-9a-f]+/dist/cli.js apply`]),
		);
		expect(killed).toBe(true);
		// Part of it is in place: 3, as for an undo that could not finish. (The kill lands in a step, or between two.)
		expect(result.exitCode, result.stderr).toBe(3);
		expect(result.stderr).toMatch(
			/kvmnet on ssh root@10\.78\.0\.2:2222 stopped half-way: its process there ended before its apply did \([^)]*bridge ragent \(running, (interrupted at step \d of \d+|\d of \d+ steps in place)\)/,
		);
		expect(result.stderr).toContain(`kvmnet undo -c '${uri}' undoes what took effect`);
		expect(await namespaceSnapshot(daemon, {})).not.toEqual(before);
		const session = await TmuxSession.start(laptopArgv(['-c', uri]), {env: {KVMNET_STATE_DIR: join(work, 'state')}});
		try {
			const offer = await session.waitFor(`An apply was left half-way on ${remoteHostname}: bridge ragent`, 20_000);
			expect(offer).toContain('u undo it now (recommended)');
			await session.keys('u');
			// The log's last line comes before the outcome (the journal's own event): the outcome is what is waited for.
			expect(await session.waitFor('Nothing changed in the end', 30_000)).toContain('Every completed step was undone.');
			await session.keys('Enter');
			await session.keys('q');
			expect(await session.waitForExit()).toBe(0);
		} finally {
			await session.kill();
		}
		expect(await namespaceSnapshot(daemon, {})).toEqual(before);
	});

	it('a remote whose node is too old for kvmnet: apply refused in words, nothing copied or changed there', async () => {
		// Another sshd on the remote, in a mount namespace of its own where node says it is 18 (as Ubuntu 24.04's is).
		const oldNode = join(work, 'node18');
		writeFileSync(oldNode, '#!/bin/sh\necho 18.19.1\n', {mode: 0o755});
		const old = await Sshd.start(daemon.namespace, remoteAddress, remoteHostname, {
			port: 2223,
			env: {KVMNET_STATE_DIR: join(work, 'old-node-state')},
			binds: [[oldNode, process.execPath]],
		});
		try {
			const oldUri = old.uri(socket);
			const out = join(work, 'bridge-old-node');
			expect((await onLaptopPlan('rold', 'br-old', 'lan1', out, oldUri)).exitCode).toBe(0);
			const before = await namespaceSnapshot(daemon, {});
			const applied = await onLaptop(['apply', join(out, 'plan.json'), '--yes', '-c', oldUri]);
			expect(applied.exitCode).toBe(2);
			expect(applied.stderr).toContain(
				`kvmnet runs on ssh root@${remoteAddress}:2223 to apply, undo and confirm there (so its journal and its SSH guard stay on that host if this connection is lost), and that needs Node.js 20 or newer there: it has node "18.19.1". Nothing was changed.`,
			);
			expect(existsSync(join(work, 'old-node-state', 'agent'))).toBe(false);
			expect(await namespaceSnapshot(daemon, {})).toEqual(before);
		} finally {
			await old.stop();
		}
	});

	it('the connection dropping as a step runs: the step counts as maybe done, and the rollback undoes it if it took effect', async () => {
		// In this process (the plan's steps are ours, not a plan file's): ssh reaches the remote from the laptop's
		// namespace through a wrapper first on PATH. The step's command kills the connection's sshd process on the
		// remote after taking effect, so ssh ends with 255 and nobody here knows whether it ran.
		const bin = join(work, 'ssh-from-laptop');
		mkdirSync(bin, {recursive: true});
		writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec ip netns exec ${laptop.name} /usr/bin/ssh "$@"\n`, {mode: 0o755});
		const marker = join(work, 'dropped-step-marker');
		const path = process.env['PATH'];
		process.env['PATH'] = `${bin}:${path}`;
		try {
			const runner = runnerFor(uri);
			const plan: Plan = {
				version: 1,
				mode: 'test',
				params: {name: 'dropped'},
				uri,
				manager: {kind: 'iproute2', reason: 'test'},
				directory: join(work, 'dropped'),
				interfaceXml: '',
				warnings: [],
				steps: [
					{
						title: 'Leave a mark, then cut the connection',
						run: ['sh', '-c', 'touch "$1" && kill -9 "$PPID"', 'sh', marker],
						undo: ['rm', '-f', marker],
						verify: {run: ['test', '-e', marker], proves: 'the mark is there'},
					},
				],
			};
			const journal = await applyPlan(plan, {runner, journalDir: join(work, 'dropped-journals')});
			expect(journal.steps[0]!.error).toMatch(/connection was lost|ssh failed|closed/);
			// The rollback opened a new connection, found the mark in place and undid it.
			expect(journal.status).toBe('rolled-back');
			expect(journal.steps[0]!.state).toBe('undone');
			expect(existsSync(marker)).toBe(false);
		} finally {
			process.env['PATH'] = path;
		}
	});

	it('a bad remote URI is refused by name before anything is contacted', async () => {
		const result = await onLaptop(['inventory', '-c', 'qemu+ssh://-oProxyCommand=touch${IFS}/tmp/x/system']);
		expect(result.exitCode).toBe(2);
		expect(result.stderr).toMatch(/connect: the host .* is not a host name or address\. Nothing was contacted/);
	});

	it('auth refused and an unknown host key are said in words', async () => {
		const wrongKey = uri.replace(/keyfile=[^&]+/, `keyfile=${join(work, 'nokey')}`);
		await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'nokey')]);
		const refused = await onLaptop(['inventory', '--json', '-c', wrongKey]);
		const model = JSON.parse(refused.stdout) as HostModel;
		expect(model.header.remote?.why).toMatch(/authentication refused/);
		expect(model.nics).toEqual([]);
		const unknownKey = uri.replace(/known_hosts=[^&]+/, `known_hosts=${join(work, 'empty_known_hosts')}`);
		const unknown = JSON.parse((await onLaptop(['inventory', '--json', '-c', unknownKey])).stdout) as HostModel;
		expect(unknown.header.remote?.why).toMatch(/host key is not known/);
		const missing = uri.replace(/keyfile=[^&]+/, `keyfile=${join(work, 'no-such-key')}`);
		const absent = JSON.parse((await onLaptop(['inventory', '--json', '-c', missing])).stdout) as HostModel;
		expect(absent.header.remote?.why).toMatch(/keyfile=.*no-such-key does not exist/);
	});

	it('no ssh client here: said, with the package to install; nothing else is read in its place', async () => {
		// A PATH with only ip (to enter the laptop's namespace): no ssh, no virsh, no other tool.
		const bin = join(work, 'only-ip');
		mkdirSync(bin, {recursive: true});
		symlinkSync((await run(['sh', '-c', 'command -v ip'])).stdout.trim(), join(bin, 'ip'));
		const result = await runCli(['inventory', '--json', '-c', uri], {
			namespace: laptop.name,
			env: {...env(), PATH: bin},
		});
		expect(result.stderr).toBe('');
		const model = JSON.parse(result.stdout) as HostModel;
		expect(model.header.remote?.why).toMatch(/ssh not found: install the openssh-client package/);
		expect(model.nics).toEqual([]);
	});

	it('over tcp (no shell): libvirt only, a banner, and nothing run on the laptop but virsh', async () => {
		const tcp = `qemu+tcp://${remoteAddress}/system`;
		const traced = join(work, 'exec.trace');
		const before = await laptopState();
		const result = await execa(
			'strace',
			['-f', '-qq', '-e', 'trace=execve', '-o', traced, ...laptopArgv(['inventory', '--json', '-c', tcp])],
			{env: env(), reject: false},
		);
		const model = JSON.parse(result.stdout) as HostModel;
		expect(model.header.remote).toMatchObject({
			hostFacts: false,
			why: expect.stringMatching(/^host facts unavailable over tcp/),
		});
		expect(model.nics).toEqual([]);
		const programs = new Set(
			[...readFileSync(traced, 'utf8').matchAll(/execve\("([^"]+)"/g)].map((m) => m[1]!.split('/').pop()),
		);
		programs.delete('ip');
		programs.delete('node');
		expect([...programs]).toEqual(['virsh']);
		expect(await laptopState()).toEqual(before);
		const text = await onLaptop(['inventory', '-c', tcp]);
		expect(text.stdout).toContain('REMOTE HOST: host facts unavailable over tcp');
		const doctor = JSON.parse((await onLaptop(['doctor', '--json', '-c', tcp])).stdout) as {results: {group: string}[]};
		expect(new Set(doctor.results.map((r) => r.group))).toEqual(new Set(['libvirt']));
	});

	it('on a terminal: apply -c asks, kvmnet on the remote applies, and y to keep confirms over a new connection', async () => {
		const out = join(work, 'bridge-uplink0-tty');
		const planned = await planBridge('rtty', 'br-tty', 'uplink0', out);
		expect(planned.exitCode, planned.stderr).toBe(0);
		const remoteBefore = await namespaceSnapshot(daemon, {});
		const session = await TmuxSession.start(laptopArgv(['apply', join(out, 'plan.json'), '-c', uri]), {env: env()});
		try {
			await session.waitFor(
				new RegExp(`Apply these \\d+ steps on ${remoteAddress.replace(/\./g, '\\.')}\\? \\[y/N\\]`),
				15_000,
			);
			await session.keys('y', 'Enter');
			await session.waitFor(`Do you still reach root@${remoteAddress}:2222? Keep the changes? [y/N]`, 60_000);
			await session.keys('y', 'Enter');
			expect(await session.waitFor('Confirmed: bridge rtty stays applied', 30_000)).toContain('Confirmed');
			expect(await session.waitForExit(30_000)).toBe(0);
		} finally {
			await session.kill();
		}
		const journal = JSON.parse(
			readFileSync(join(remoteState, 'journals', journalsIn(remoteState).sort().pop()!), 'utf8'),
		) as {status: string; guard?: {confirmed?: boolean}};
		expect(journal).toMatchObject({status: 'applied', guard: {confirmed: true}});
		// undo on a terminal: what it would undo first, then the question.
		const undo = await TmuxSession.start(laptopArgv(['undo', '-c', uri]), {env: env()});
		try {
			const asked = await undo.waitFor(
				new RegExp(`Undo these \\d+ steps on ${remoteAddress.replace(/\./g, '\\.')}\\? \\[y/N\\]`),
				15_000,
			);
			expect(asked).toMatch(/Undoing .*bridge rtty \(applied\)[\s\S]* on 10\.78\.0\.2:/);
			await undo.keys('y', 'Enter');
			expect(await undo.waitForExit(30_000)).toBe(0);
		} finally {
			await undo.kill();
		}
		expect(await namespaceSnapshot(daemon, {})).toEqual(remoteBefore);
	});

	it('the TUI applies on the remote through kvmnet there: the network is the remote’s, and so is the journal; p then probes it there', async () => {
		const before = journalsIn(remoteState).length;
		const session = await TmuxSession.start(laptopArgv(['-c', uri]), {env: {KVMNET_STATE_DIR: join(work, 'state')}});
		try {
			await session.waitFor(/ 4 Networks \d+ /, 15_000);
			await session.keys('n', 'Down', 'Down', 'Down', 'Enter');
			await session.waitFor('Isolated (host-only): new network');
			await session.keys('C-u');
			await session.keys('rtui');
			await session.keys('Enter');
			await session.waitFor('Preview: Isolated (host-only) rtui');
			await session.keys('a');
			await session.waitFor(`this will change ${remoteHostname}`, 30_000);
			await session.keys('y');
			// The end of an apply offers to prove the network: p probes it on the remote, by kvmnet there.
			expect(await session.waitFor('Applied: every step done and checked.', 60_000)).toContain('p probe the network');
			await session.keys('p');
			const matrix = await session.waitFor(`Probe of network rtui on ${remoteHostname}: as promised`, 90_000);
			expect(matrix).toMatch(/guest-guest\s+yes\s+yes\s+pass/);
			expect(matrix).toMatch(/guest-outside\s+no\s+(no\s+pass|-\s+skip)/);
			expect(await probeLeftovers()).toEqual([]);
			await session.keys('Escape');
			await session.waitFor(/ 4 Networks \d+ /);
			await session.keys('q');
		} finally {
			await session.kill();
		}
		expect((await daemon.virsh('net-info rtui')).stdout).toMatch(/Active:\s+yes/);
		expect(journalsIn(remoteState)).toHaveLength(before + 1);
		expect(journalsIn(join(work, 'state'))).toEqual([]);
		const undone = await onLaptop(['undo', '--yes', '-c', uri]);
		expect(undone.exitCode, undone.stderr + undone.stdout).toBe(0);
		expect((await daemon.virsh('net-list --all --name')).stdout).not.toContain('rtui');
	});

	it('the TUI under tmux: the header and the NIC list are the remote’s', async () => {
		const session = await TmuxSession.start(laptopArgv(['-c', uri]), {env: {KVMNET_STATE_DIR: join(work, 'state')}});
		try {
			const screen = await session.waitFor(`remote via ssh root@${remoteAddress}:2222`);
			expect(screen).toContain(remoteHostname);
			await session.keys('2');
			const nics = await session.waitFor('remoteonly0');
			expect(nics).not.toContain('laptoponly0');
			expect(nics).toMatch(/uplink0.*\[SSH\]|\[SSH\].*uplink0/);
			await session.keys('q');
			expect(await session.waitForExit()).toBe(0);
		} finally {
			await session.kill();
		}
	});
});
