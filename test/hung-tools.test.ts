// Tools that never answer. A fake virsh or ip (a shell script whose child sleeps holding the script's stdout, so
// the pipe stays open after the script itself is killed) is put first on the PATH of the kvmnet process only (the
// test itself keeps the real ip), and the real virsh is pointed at a socket that accepts and never replies, which is
// what a hung libvirtd looks like to it. kvmnet must end each scan within KVMNET_TIMEOUT, say which tool did not
// answer, show the rest of the host, and leave no process behind; the TUI must quit at once while it scans.
import {randomBytes} from 'node:crypto';
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa, type ResultPromise} from 'execa';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import {describeFailure, openSession, Runner, runningCommands, timeoutSetting} from '../source/host/runner.js';
import {cpuFlags} from '../source/core/parse-os.js';
import {cliPath} from './harness/cli.js';
import {isRoot, Namespace} from './harness/netns.js';
import {TmuxSession} from './harness/tmux.js';

const work = mkdtempSync(join(tmpdir(), 'kvmt-hb-'));
/** Every process a fake starts carries this in its environment: how strays are found in /proc. */
const marker = `hb-${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * A directory holding one fake tool that hangs: it logs its start, then waits on a `sleep` that inherited its
 * stdout and stderr. `ignoreTerm` makes both ignore SIGTERM (only SIGKILL ends them).
 */
function fakeTool(name: string, options: {ignoreTerm?: boolean} = {}): {dir: string; starts: () => number} {
	const dir = join(work, `${name}${options.ignoreTerm ? '-noterm' : ''}`);
	mkdirSync(dir, {recursive: true});
	const log = join(dir, 'starts.log');
	writeFileSync(log, '');
	const script = [
		'#!/bin/sh',
		`echo "$$ $*" >> ${log}`,
		...(options.ignoreTerm ? ["trap '' TERM"] : []),
		`KVMT_HB_MARK=${marker} sleep 1000 &`,
		'wait',
		'',
	];
	writeFileSync(join(dir, name), script.join('\n'));
	chmodSync(join(dir, name), 0o755);
	return {dir, starts: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length};
}

/** Processes of the test's own that name the work directory and are no strays (the hung libvirtd). */
const ours = new Set<number>();

/** Processes still alive that a fake started (the marker in their environment), or that run a fake script. */
function strays(): string[] {
	const found: string[] = [];
	for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && !ours.has(Number(entry)))) {
		try {
			const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
			const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
			if (environ.includes(`KVMT_HB_MARK=${marker}`) || cmdline.includes(work)) found.push(`${pid}: ${cmdline}`);
		} catch {
			// Gone meanwhile, or not readable.
		}
	}
	return found;
}

/** Strays may take a moment to be reaped after a kill: wait for none, up to `ms`. */
async function noStrays(ms = 1500): Promise<string[]> {
	await until(() => strays().length === 0, ms);
	return strays();
}

/** Wait until `condition` holds, up to `ms`. */
async function until(condition: () => boolean, ms: number): Promise<void> {
	const started = Date.now();
	while (!condition() && Date.now() - started < ms) await new Promise((resolve) => setTimeout(resolve, 50));
}

function killStrays(): void {
	for (const line of strays()) {
		try {
			process.kill(Number(line.split(':')[0]), 'SIGKILL');
		} catch {
			// Gone.
		}
	}
}

afterAll(() => {
	killStrays();
	rmSync(work, {recursive: true, force: true});
});

describe('the runner bounds every command', () => {
	afterEach(() => killStrays());

	it('KVMNET_TIMEOUT is a whole number of seconds from 1 to 3600; unset or empty means 30 s', () => {
		expect(timeoutSetting({})).toBeUndefined();
		expect(timeoutSetting({KVMNET_TIMEOUT: ''})).toBeUndefined();
		expect(timeoutSetting({KVMNET_TIMEOUT: '1'})).toBe(1000);
		expect(timeoutSetting({KVMNET_TIMEOUT: '3600'})).toBe(3_600_000);
		for (const bad of ['0', '3601', '1.5', '-2', '2s', 'abc', '1e3', '0x10']) {
			const error = timeoutSetting({KVMNET_TIMEOUT: bad});
			expect(error, bad).toBeInstanceOf(Error);
			expect((error as Error).message).toBe(
				`KVMNET_TIMEOUT: ${JSON.stringify(bad)} is not a whole number of seconds from 1 to 3600 (how long kvmnet waits for virsh, ip and the other tools it runs)`,
			);
		}
		expect(new Runner({env: {}}).scanTimeoutMs).toBe(30_000);
		expect(new Runner({env: {KVMNET_TIMEOUT: '7'}}).scanTimeoutMs).toBe(7000);
	});

	it('reads the CPU flags from /proc/cpuinfo without a process, as lscpu prints them', async () => {
		const lscpu = await execa('lscpu', [], {env: {LC_ALL: 'C'}});
		const flags = /^Flags:\s*(.*)$/m.exec(String(lscpu.stdout))?.[1]?.trim();
		expect(flags).toBeTruthy();
		expect(cpuFlags(readFileSync('/proc/cpuinfo', 'utf8'))).toBe(flags);
	});

	it('a command whose child holds its pipe open is stopped with its whole group at the scan limit', async () => {
		const fake = fakeTool('hang');
		const runner = new Runner({scanTimeoutMs: 500});
		const started = Date.now();
		const result = await runner.run([join(fake.dir, 'hang')]);
		expect(Date.now() - started).toBeLessThan(2500);
		expect(result).toMatchObject({ok: false, timedOut: true, timeoutMs: 500, scanLimit: true});
		expect(describeFailure(result)).toBe(
			`${join(fake.dir, 'hang')} did not answer within 0.5 s (KVMNET_TIMEOUT) and was stopped`,
		);
		expect(await noStrays()).toEqual([]);
	});

	it('SIGKILL follows for a group that ignores SIGTERM; a fixed limit (apply steps) is not the scan limit', async () => {
		const fake = fakeTool('hang', {ignoreTerm: true});
		const runner = new Runner({scanTimeoutMs: 60_000});
		const started = Date.now();
		const result = await runner.run([join(fake.dir, 'hang')], {timeoutMs: 400});
		expect(Date.now() - started).toBeLessThan(3000);
		expect(result).toMatchObject({timedOut: true, timeoutMs: 400, scanLimit: false});
		expect(describeFailure(result)).toMatch(/did not answer within 0\.4 s and was stopped$/);
		expect(await noStrays()).toEqual([]);
		// A quick probe's own bound applies when shorter than the scan limit, and the scan limit when that is shorter.
		expect(runner.limitFor({atMostMs: 5000})).toEqual({timeoutMs: 5000, scanLimit: false});
		expect(new Runner({scanTimeoutMs: 2000}).limitFor({atMostMs: 5000})).toEqual({timeoutMs: 2000, scanLimit: true});
	});

	it('a command that exits while a helper in another session keeps its stdout is not waited for', async () => {
		const runner = new Runner();
		const started = Date.now();
		const result = await runner.run(['sh', '-c', `echo answered; KVMT_HB_MARK=${marker} setsid sleep 1000 & exit 0`]);
		expect(Date.now() - started).toBeLessThan(3000);
		expect(result).toMatchObject({ok: true, timedOut: false, stdout: 'answered\n'});
		// Nothing of it is tracked as running (the groups timed out above are, until their SIGKILL a second later).
		await until(() => runningCommands() === 0, 2000);
		expect(runningCommands()).toBe(0);
	});

	it('a session whose program never answers fails its question at the limit', async () => {
		const fake = fakeTool('hang');
		const runner = new Runner({scanTimeoutMs: 500});
		const session = openSession(runner, [join(fake.dir, 'hang')]);
		const started = Date.now();
		await expect(session.ask('uri\n', 'never')).rejects.toThrow();
		const result = await session.close();
		expect(Date.now() - started).toBeLessThan(2500);
		expect(result).toMatchObject({timedOut: true, scanLimit: true});
		expect(await noStrays()).toEqual([]);
	});
});

describe.skipIf(!isRoot)('kvmnet with a tool that never answers', () => {
	let ns: Namespace;
	let hungLibvirtd: ResultPromise | undefined;
	const socket = join(work, 'libvirt-sock');
	const virsh = fakeTool('virsh');
	const stubbornVirsh = fakeTool('virsh', {ignoreTerm: true});
	const ip = fakeTool('ip');
	const stateDir = join(work, 'state');

	beforeAll(async () => {
		ns = await Namespace.create('hb');
		await ns.ipBatch([
			'link add hbv0 type veth peer name hbv0p',
			'link add hbv1 type veth peer name hbv1p',
			'link set hbv0 up',
			'link set hbv0p up',
			'addr add 10.91.0.1/24 dev hbv0',
		]);
		mkdirSync(stateDir, {recursive: true});
		// A libvirtd that accepts connections and never says a word (a unix socket works across network namespaces).
		hungLibvirtd = execa(
			process.execPath,
			[
				'-e',
				`require('node:net').createServer(() => {}).listen(${JSON.stringify(socket)}, () => console.log('listening'))`,
			],
			{reject: false},
		);
		ours.add(hungLibvirtd.pid!);
		await new Promise<void>((resolve) => hungLibvirtd!.stdout!.once('data', () => resolve()));
	});

	afterAll(async () => {
		if (hungLibvirtd?.pid) process.kill(hungLibvirtd.pid, 'SIGKILL');
		await hungLibvirtd;
		await ns?.destroy();
	});

	afterEach(() => killStrays());

	/** kvmnet in the namespace with `fakes` first on its own PATH (only its own). */
	function kvmnet(args: string[], options: {fakes?: string; timeout?: string; env?: Record<string, string>} = {}) {
		const env = Object.entries({
			KVMNET_STATE_DIR: stateDir,
			...(options.timeout === undefined ? {} : {KVMNET_TIMEOUT: options.timeout}),
			...options.env,
		}).map(([k, v]) => `${k}=${v}`);
		const path = `${options.fakes ? `${options.fakes}:` : ''}${process.env['PATH']}`;
		const argv = [
			'netns',
			'exec',
			ns.name,
			'env',
			'-u',
			'LIBVIRT_DEFAULT_URI',
			'-u',
			'SSH_CONNECTION',
			'-u',
			'KVMNET_TIMEOUT',
			`PATH=${path}`,
			...env,
			process.execPath,
			cliPath,
			...args,
		];
		return execa('ip', argv, {reject: false, stdin: 'ignore', timeout: 60_000});
	}

	async function timed(run: ResultPromise) {
		const started = Date.now();
		const result = await run;
		return {...result, stdout: String(result.stdout), stderr: String(result.stderr), ms: Date.now() - started};
	}

	it('inventory ends within KVMNET_TIMEOUT, names virsh, and still lists the NICs', async () => {
		const result = await timed(kvmnet(['inventory'], {fakes: virsh.dir, timeout: '2'}));
		expect(virsh.starts()).toBe(1);
		expect(result.ms).toBeLessThan(6000);
		expect(result.ms).toBeGreaterThanOrEqual(2000);
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toContain('libvirt at qemu:///system may be hung (virsh did not answer)');
		expect(result.stdout).toContain(
			'libvirt: virsh did not answer within 2 s (KVMNET_TIMEOUT): libvirt at qemu:///system may be hung',
		);
		expect(result.stdout).toMatch(/== NICs \(5\) ==/);
		expect(result.stdout).toMatch(/^hbv0 +veth +up .*10\.91\.0\.1\/24/m);
		expect(result.stdout).toMatch(/^hbv1 +veth +down/m);
		expect(await noStrays()).toEqual([]);
	});

	it('inventory --json likewise: the problem says which tool, and the model has the NICs', async () => {
		const result = await timed(kvmnet(['inventory', '--json'], {fakes: virsh.dir, timeout: '2'}));
		expect(result.ms).toBeLessThan(6000);
		const model = JSON.parse(result.stdout) as HostModel;
		expect(model.header.libvirt).toMatchObject({
			uri: 'qemu:///system',
			reachable: false,
			timeout: 'virsh did not answer within 2 s (KVMNET_TIMEOUT)',
		});
		expect(model.problems).toContainEqual({
			area: 'libvirt',
			message: 'virsh did not answer within 2 s (KVMNET_TIMEOUT): libvirt at qemu:///system may be hung',
			timeout: 'virsh did not answer within 2 s (KVMNET_TIMEOUT)',
		});
		expect(model.nics.map((n) => n.name).sort()).toEqual(['hbv0', 'hbv0p', 'hbv1', 'hbv1p', 'lo']);
		expect(await noStrays()).toEqual([]);
	});

	it('a virsh that ignores SIGTERM is killed a second later, with its child', async () => {
		const result = await timed(kvmnet(['inventory', '--json'], {fakes: stubbornVirsh.dir, timeout: '2'}));
		expect(stubbornVirsh.starts()).toBe(1);
		expect(result.ms).toBeLessThan(7000);
		expect((JSON.parse(result.stdout) as HostModel).nics.length).toBe(5);
		expect(await noStrays()).toEqual([]);
	});

	it('the real virsh against a libvirtd that never answers: the message names virsh and the URI', async () => {
		const uri = `qemu+unix:///system?socket=${socket}`;
		const result = await timed(kvmnet(['inventory', '--connect', uri], {timeout: '2'}));
		expect(result.ms).toBeLessThan(6000);
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toContain(
			`libvirt: virsh did not answer within 2 s (KVMNET_TIMEOUT): libvirt at ${uri} may be hung`,
		);
		expect(result.stdout).toMatch(/^hbv0 +veth/m);
		// The real virsh is gone too (its command line names the socket, under the work directory).
		expect(await noStrays()).toEqual([]);
	});

	it('a hung ip: the message names ip, and the header and libvirt are still shown', async () => {
		const result = await timed(kvmnet(['inventory', '--connect', 'test:///default'], {fakes: ip.dir, timeout: '2'}));
		expect(ip.starts()).toBe(1);
		expect(result.ms).toBeLessThan(6000);
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toContain(
			'nics: ip did not answer within 2 s (KVMNET_TIMEOUT): the network interfaces, addresses and routes could not be read',
		);
		expect(result.stdout).toMatch(/^libvirt \S+ at test:\/\/\/default$/m);
		expect(result.stdout).toContain('== NICs (0) ==');
		expect(await noStrays()).toEqual([]);
	});

	it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
		'killed by %s in the middle of a scan, kvmnet leaves no process behind',
		async (signal) => {
			const before = virsh.starts();
			// Not under `ip netns exec`, which forks: the signal must reach kvmnet itself, as from a terminal or kill.
			const run = execa(process.execPath, [cliPath, 'inventory'], {
				reject: false,
				stdin: 'ignore',
				env: {PATH: `${virsh.dir}:${process.env['PATH']}`, KVMNET_TIMEOUT: '30'},
			});
			for (let i = 0; virsh.starts() === before && i < 100; i++)
				await new Promise((resolve) => setTimeout(resolve, 50));
			expect(strays().length).toBeGreaterThan(0);
			run.kill(signal);
			const result = await run;
			expect(result.signal).toBe(signal);
			expect(await noStrays()).toEqual([]);
		},
	);

	it('a bad KVMNET_TIMEOUT is refused with exit 2, naming it and the rule, before anything runs', async () => {
		const before = virsh.starts();
		for (const [value, args] of [
			['abc', ['inventory']],
			['0', ['inventory', '--json']],
			['1.5', ['plan', '--mode', 'nat']],
			['99999', ['doctor']],
			['-3', []],
		] as const) {
			const result = await timed(kvmnet([...args], {fakes: virsh.dir, timeout: value}));
			expect(result.exitCode, value).toBe(2);
			expect(result.stderr).toBe(
				`kvmnet: KVMNET_TIMEOUT: "${value}" is not a whole number of seconds from 1 to 3600 (how long kvmnet waits for virsh, ip and the other tools it runs)`,
			);
			expect(result.stdout).toBe('');
		}
		expect(virsh.starts()).toBe(before);
	});

	it('plan --out /proc/x ends at once with exit 2, before any scan, and writes nothing anywhere', async () => {
		const before = virsh.starts();
		const result = await timed(
			kvmnet(['plan', '--mode', 'nat', '--out', '/proc/x'], {fakes: virsh.dir, timeout: '30'}),
		);
		expect(result.ms).toBeLessThan(1000);
		expect(result.exitCode).toBe(2);
		expect(result.stderr).toBe(
			'kvmnet: --out: cannot create the directory /proc/x: this file system does not allow new files here (like /proc)',
		);
		expect(result.stdout).toBe('');
		expect(virsh.starts()).toBe(before);
		expect(readdirSync(stateDir)).toEqual([]);
		const file = join(work, 'a-file');
		writeFileSync(file, 'x');
		for (const [out, message] of [
			[
				'/proc/x/y/z',
				'cannot create the directory /proc/x: this file system does not allow new files here (like /proc)',
			],
			['/proc', 'cannot write in /proc: this file system does not allow new files here (like /proc)'],
			['/dev/null/x', 'cannot use /dev/null/x: /dev/null exists and is not a directory'],
			[file, `cannot use ${file}: ${file} exists and is not a directory`],
			[`${file}/sub`, `cannot use ${file}/sub: ${file} exists and is not a directory`],
		]) {
			const other = await timed(kvmnet(['plan', '--demo', '--mode', 'nat', '--out', out!]));
			expect(other.exitCode, out).toBe(2);
			expect(other.stderr).toBe(`kvmnet: --out: ${message}`);
			expect(other.stdout).toBe('');
		}
		const fix = await timed(kvmnet(['doctor', '--demo', '--fix', 'forwarding', '--out', '/proc/x']));
		expect(fix.exitCode).toBe(2);
		expect(fix.stderr).toBe(
			'kvmnet: --out: cannot create the directory /proc/x: this file system does not allow new files here (like /proc)',
		);
		expect(readdirSync(stateDir)).toEqual([]);
	});

	it('--out: a refused plan leaves no directory, and a plan that cannot be written whole leaves the old files as they were', async () => {
		const fresh = join(work, 'fresh', 'plans');
		const refused = await timed(kvmnet(['plan', '--demo', '--mode', 'nat', '--subnet', 'nonsense', '--out', fresh]));
		expect(refused.exitCode).toBe(2);
		expect(readdirSync(work)).not.toContain('fresh');
		const blocked = join(work, 'blocked');
		mkdirSync(join(blocked, 'plan.sh'), {recursive: true});
		writeFileSync(join(blocked, 'plan.json'), 'the old plan');
		const result = await timed(kvmnet(['plan', '--demo', '--mode', 'nat', '--out', blocked]));
		expect(result.exitCode).toBe(2);
		expect(result.stderr).toBe(`kvmnet: --out: cannot write ${blocked}/plan.sh: ${blocked}/plan.sh is a directory`);
		expect(result.stdout).toBe('');
		expect(readFileSync(join(blocked, 'plan.json'), 'utf8')).toBe('the old plan');
		expect(readdirSync(blocked).sort()).toEqual(['plan.json', 'plan.sh']);
	});

	describe('the TUI under tmux at 80x24', () => {
		let session: TmuxSession | undefined;
		// capture-pane drops the space after it.
		const prompt = 'hb-shell$';
		afterEach(async () => {
			await session?.kill();
			session = undefined;
		});

		/** A shell in the namespace, in tmux, that runs kvmnet with `fakes` first on kvmnet's PATH only. */
		async function shellRunning(args: string[], fakes: string, timeout: string): Promise<TmuxSession> {
			session = await TmuxSession.start(['ip', 'netns', 'exec', ns.name, 'env', `PS1=${prompt} `, 'sh']);
			await session.waitFor(prompt);
			await session.keys(
				'-l',
				`env PATH=${fakes}:$PATH KVMNET_TIMEOUT=${timeout} ${process.execPath} ${cliPath} ${args.join(' ')}; echo "status=$?"`,
			);
			await session.keys('Enter');
			return session;
		}

		/** After quitting: how long until the shell is back, with kvmnet's exit status 0 (and the alternate screen gone). */
		async function backToShell(tmux: TmuxSession): Promise<number> {
			const started = Date.now();
			const screen = await tmux.waitFor(new RegExp(`status=0\\n${prompt.replace('$', '\\$')}`), 5000);
			expect(screen).not.toContain('Scanning this host');
			return Date.now() - started;
		}

		it.each([['q'], ['C-c']])(
			'%s quits at once while "Scanning this host…" is shown, and the scan is killed',
			async (key) => {
				const before = virsh.starts();
				const tmux = await shellRunning([], virsh.dir, '30');
				await tmux.waitFor('Scanning this host…');
				expect(virsh.starts()).toBe(before + 1);
				await tmux.keys(key);
				expect(await backToShell(tmux)).toBeLessThan(1000);
				expect(await noStrays()).toEqual([]);
			},
		);

		it('after the timeout: the NICs and the message naming virsh; r scans again; q quits', async () => {
			const before = virsh.starts();
			const tmux = await shellRunning([], virsh.dir, '2');
			const screen = await tmux.waitFor('virsh did not answer within 2 s (KVMNET_TIMEOUT) · press ? to read', 8000);
			expect(screen).toContain('libvirt at qemu:///system may be hung (virsh did not answer)');
			expect(screen).not.toContain('DEMO HOST');
			expect(screen.split('\n').every((line) => line.length <= 80)).toBe(true);
			await tmux.keys('2');
			const nics = await tmux.waitFor(/hbv1 +veth +down/);
			expect(nics).toMatch(/hbv0 +veth +up .*10\.91\.0\.1\/24/);
			await tmux.keys('?');
			// The help screen wraps the whole message at 80 columns.
			const help = await tmux.waitFor('kvmnet keys');
			expect(help.replace(/\s+/g, ' ')).toContain(
				'libvirt: virsh did not answer within 2 s (KVMNET_TIMEOUT): libvirt at qemu:///system may be hung',
			);
			await tmux.keys('Escape', 'r');
			await tmux.waitFor('Refreshing…');
			await until(() => virsh.starts() === before + 2, 2000);
			expect(virsh.starts()).toBe(before + 2);
			const again = await tmux.waitFor('virsh did not answer within 2 s (KVMNET_TIMEOUT) · press ? to read', 8000);
			expect(again).toMatch(/hbv0 +veth/);
			await tmux.keys('q');
			expect(await backToShell(tmux)).toBeLessThan(1000);
			expect(await noStrays()).toEqual([]);
		});

		it('a hung ip: the message names ip on the screen, libvirt is still read, q quits', async () => {
			const tmux = await shellRunning(['--connect', 'test:///default'], ip.dir, '2');
			const screen = await tmux.waitFor('ip did not answer within 2 s (KVMNET_TIMEOUT) · press ? to read', 8000);
			expect(screen).toMatch(/libvirt \S+ at test:\/\/\/default/);
			await tmux.keys('q');
			expect(await backToShell(tmux)).toBeLessThan(1000);
			expect(await noStrays()).toEqual([]);
		});
	});
});
