// Never strand an SSH user: "laptop" and "host" are two namespaces joined by a veth; the host runs a real libvirtd.
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Plan} from '../source/core/plan.js';
import type {Journal} from '../source/core/journal.js';
import {execa} from 'execa';
import {bridgePlanArgs, cliPath, runCli} from './harness/cli.js';
import {FaultShim} from './harness/fault-shim.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot, Namespace, run, vethBetween} from './harness/netns.js';
import {namespaceSnapshot} from './harness/snapshot.js';
import {TmuxSession} from './harness/tmux.js';

const hostAddress = '10.77.0.2';
const laptopAddress = '10.77.0.50';

// A TCP echo server for the host side, and a client that keeps one connection open and reports each echo.
const server = `require('net').createServer((s) => s.pipe(s)).listen(2222, '0.0.0.0', () => console.log('LISTENING'));`;
const canConnect = `const s = require('net').connect({host: '${hostAddress}', port: 2222, timeout: 1500}); s.on('connect', () => { console.log('OK'); process.exit(0); }); s.on('timeout', () => process.exit(1)); s.on('error', () => process.exit(1));`;

describe.skipIf(!isRoot)('the SSH guard', () => {
	let daemon: Libvirtd;
	let laptop: Namespace;
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-guard-'));
	const env = () => ({
		...(process.env as Record<string, string>),
		KVMNET_STATE_DIR: join(work, 'state'),
		KVMNET_NETWORK_MANAGER: 'iproute2',
		LIBVIRT_DEFAULT_URI: daemon.uri,
		SSH_CONNECTION: `${laptopAddress} 50022 ${hostAddress} 22`,
	});
	const journals = () => join(work, 'state', 'journals');
	const laptopReachesHost = async () =>
		await run(['ip', 'netns', 'exec', laptop.name, process.execPath, '-e', canConnect]).then(
			() => true,
			() => false,
		);
	const processes: {kill: (signal: NodeJS.Signals) => boolean}[] = [];

	beforeAll(async () => {
		daemon = await Libvirtd.start('guard');
		laptop = await Namespace.create('laptop');
		await vethBetween(laptop.name, 'lap0', daemon.namespace, 'uplink0');
		await laptop.ipBatch(['link set lap0 up', `addr add ${laptopAddress}/24 dev lap0`]);
		await run(['ip', '-n', daemon.namespace, '-batch', '-'], {
			input: `link set uplink0 up\naddr add ${hostAddress}/24 dev uplink0\nroute add default via 10.77.0.1\n`,
		});
		const listener = spawn('ip', ['netns', 'exec', daemon.namespace, process.execPath, '-e', server], {
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		processes.push(listener);
		await new Promise((resolve) => listener.stdout.once('data', resolve));
		for (let i = 0; i < 50 && !(await laptopReachesHost()); i++) await new Promise((r) => setTimeout(r, 100));
	});

	afterAll(async () => {
		for (const p of processes) p.kill('SIGKILL');
		await daemon?.stop();
		await laptop?.destroy();
	});

	async function bridgePlan(name: string, bridge: string): Promise<string> {
		const out = join(work, name);
		const result = await runCli(['--connect', daemon.uri, ...bridgePlanArgs({name, bridge, uplink: 'uplink0', out})], {
			namespace: daemon.namespace,
			env: env(),
		});
		expect(result.exitCode, result.stderr).toBe(0);
		return join(out, 'plan.json');
	}

	it('marks the uplink as the SSH interface, and a TCP session survives bridging it', async () => {
		const planFile = await bridgePlan('g-ok', 'brok');
		const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
		expect(plan.steps.filter((s) => s.touchesSsh).length).toBeGreaterThanOrEqual(3);
		expect(plan.warnings[0]).toMatch(/change uplink0, which carries your SSH session/);
		// One connection, opened before and used after the apply: it must stay up the whole time.
		const session = spawn(
			'ip',
			[
				'netns',
				'exec',
				laptop.name,
				process.execPath,
				'-e',
				`const s = require('net').connect(2222, '${hostAddress}'); s.setEncoding('utf8'); s.on('data', (d) => console.log('ECHO ' + d.trim())); s.on('close', () => { console.log('CLOSED'); process.exit(0); }); process.stdin.on('data', (d) => s.write(d));`,
			],
			{stdio: ['pipe', 'pipe', 'inherit']},
		);
		processes.push(session);
		const echoes: string[] = [];
		session.stdout.setEncoding('utf8').on('data', (d: string) => echoes.push(...d.trim().split('\n')));
		session.stdin.write('before\n');
		const applied = await runCli(['apply', planFile, '--yes', '--guard-seconds', '30'], {
			namespace: daemon.namespace,
			env: env(),
		});
		expect(applied.exitCode, applied.stdout).toBe(0);
		expect(applied.stdout).toContain('Guard started');
		expect(applied.stdout).toContain('Run "kvmnet confirm" within 30 s');
		session.stdin.write('after\n');
		await new Promise((r) => setTimeout(r, 500));
		expect(echoes).toEqual(['ECHO before', 'ECHO after']);
		const confirmed = await runCli(['confirm'], {namespace: daemon.namespace, env: env()});
		expect(confirmed.stdout).toContain('Confirmed');
		// The guard sees the confirmation and leaves; the changes stay.
		await new Promise((r) => setTimeout(r, 1000));
		const [journalFile] = readdirSync(journals()).filter((f) => f.endsWith('.json'));
		const journal = JSON.parse(readFileSync(join(journals(), journalFile!), 'utf8')) as Journal;
		expect(journal.status).toBe('applied');
		expect(readFileSync(`${journal.path}.guard.log`, 'utf8')).toContain('guard: confirmed');
		session.kill('SIGKILL');
		// The undo moves the SSH session's interface back, so the guard carries it out: the process that asked for it
		// is killed as soon as the guard has started, as a dropped SSH session would, and the undo still ends.
		const undo = execa('ip', ['netns', 'exec', daemon.namespace, process.execPath, cliPath, 'undo', '--yes'], {
			env: env(),
			stdin: 'ignore',
			buffer: false,
			reject: false,
		});
		await new Promise<void>((resolve, reject) => {
			let seen = '';
			undo.stdout!.on('data', (chunk: Buffer) => {
				seen += chunk.toString();
				if (seen.includes('so the guard (pid')) resolve();
			});
			void undo.then(() => reject(new Error(`undo ended before handing over to the guard: ${seen}`)));
		});
		undo.kill('SIGKILL');
		await undo;
		const started = Date.now();
		while (JSON.parse(readFileSync(journal.path, 'utf8')).status !== 'undone' && Date.now() - started < 20_000)
			await new Promise((r) => setTimeout(r, 200));
		expect(JSON.parse(readFileSync(journal.path, 'utf8')).status).toBe('undone');
		expect(readFileSync(`${journal.path}.guard.log`, 'utf8')).toContain('Every completed step was undone.');
		expect(await laptopReachesHost()).toBe(true);
	});

	it('undoes a bridge step that cut the laptop off, after the app is killed and nobody confirmed', async () => {
		const planFile = await bridgePlan('g-bad', 'brbad');
		const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
		// The deliberately broken step: the host address never reaches the bridge, yet the step and its check
		// "pass"; the default route's move is faked the same way, since the kernel would refuse it without that address.
		const addStep = plan.steps.find((s) => s.run.join(' ') === `ip addr add ${hostAddress}/24 dev brbad`)!;
		const routeStep = plan.steps.find((s) => s.run.join(' ') === 'ip route replace default via 10.77.0.1 dev brbad')!;
		// Bundled inside the project so its imports (execa…) resolve from node_modules.
		const child = fileURLToPath(new URL('../node_modules/.cache/kvmnet-test/sabotaged-apply.mjs', import.meta.url));
		await build({
			entryPoints: [fileURLToPath(new URL('./harness/sabotaged-apply.ts', import.meta.url))],
			bundle: true,
			platform: 'node',
			format: 'esm',
			outfile: child,
			packages: 'external',
			logLevel: 'error',
		});
		const fakes = [
			{argv: addStep.run, stdout: ''},
			{
				argv: addStep.verify!.run,
				stdout: `[{"ifname":"brbad","addr_info":[{"local":"${hostAddress}","prefixlen":24}]}]`,
			},
			{argv: routeStep.run, stdout: ''},
			{argv: routeStep.verify!.run, stdout: '[{"dst":"default","gateway":"10.77.0.1","dev":"brbad"}]'},
		];
		// The app runs inside the host namespace, so the guard it starts does too, as on a real host.
		const app = spawn(
			'ip',
			[
				'netns',
				'exec',
				daemon.namespace,
				process.execPath,
				child,
				planFile,
				journals(),
				cliPath,
				JSON.stringify(fakes),
				'12',
			],
			{
				cwd: fileURLToPath(new URL('..', import.meta.url)),
				env: env(),
				stdio: ['ignore', 'pipe', 'inherit'],
			},
		);
		processes.push(app);
		const line = await new Promise<string>((resolve, reject) => {
			app.stdout.setEncoding('utf8').once('data', resolve);
			app.once('exit', (code) => reject(new Error(`the sabotaged apply exited with ${code} before applying`)));
			setTimeout(() => reject(new Error('the sabotaged apply did not finish in 60 s')), 60_000);
		});
		expect(line).toMatch(/^APPLIED applied /);
		const journalPath = line.trim().split(' ')[2]!;
		// Cut off: the address left the uplink and never reached the bridge.
		expect(await laptopReachesHost()).toBe(false);
		// The user's SSH session drops, and the app with it.
		app.kill('SIGKILL');
		const started = Date.now();
		let back = false;
		while (!back && Date.now() - started < 30_000) {
			await new Promise((r) => setTimeout(r, 500));
			back = await laptopReachesHost();
		}
		expect(back).toBe(true);
		expect(Date.now() - started).toBeLessThan(25_000);
		// The host is reachable as soon as the uplink has its address back; the guard may still be undoing the
		// remaining steps, so the journal is read once it has a final status.
		const readJournal = () => JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
		while (readJournal().status === 'rolling-back' && Date.now() - started < 30_000)
			await new Promise((r) => setTimeout(r, 200));
		const journal = readJournal();
		expect(journal.guard?.actedAt).toBeDefined();
		// The guard checks each step before undoing it: the faked steps' effects are not there, so it leaves them alone.
		expect(journal.status).toBe('undone');
		expect(journal.leftovers).toEqual([]);
		expect(readFileSync(`${journalPath}.guard.log`, 'utf8')).toContain(
			`[4] Not in place any more (brbad has ${hostAddress}/24: not so`,
		);
		expect(readFileSync(`${journalPath}.guard.log`, 'utf8')).toMatch(
			/guard: (the applying process is gone|no confirmation before the deadline); undoing/,
		);
		const uplink = JSON.parse((await daemon.exec(['ip', '-j', 'addr', 'show', 'uplink0'])).stdout)[0];
		expect(uplink.master).toBeUndefined();
		expect(uplink.addr_info.map((a: {local: string}) => a.local)).toContain(hostAddress);
		expect((await daemon.exec(['ip', 'link', 'show', 'brbad']).catch((e: Error) => e.message)).toString()).toMatch(
			/does not exist/,
		);
	});

	const newestJournal = () => {
		const name = readdirSync(journals())
			.filter((f) => f.endsWith('.json'))
			.sort()
			.pop()!;
		return JSON.parse(readFileSync(join(journals(), name), 'utf8')) as Journal;
	};
	const settled = async (timeoutMs: number) => {
		const started = Date.now();
		let journal = newestJournal();
		while ((journal.status === 'running' || journal.status === 'rolling-back') && Date.now() - started < timeoutMs) {
			await new Promise((r) => setTimeout(r, 200));
			journal = newestJournal();
		}
		return journal;
	};

	it('the app SIGKILLed at every step k of a host-bridge plan: the guard undoes it, and the laptop reaches the host again', async () => {
		const planFile = await bridgePlan('g-kill', 'brkill');
		const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
		const shim = new FaultShim(['ip', 'virsh']);
		for (let k = 0; k < plan.steps.length; k++) {
			const before = await namespaceSnapshot(daemon, env());
			const applied = await runCli(['apply', planFile, '--yes', '--guard-seconds', '30'], {
				namespace: daemon.namespace,
				env: {...env(), ...shim.env(plan.steps[k]!.run, 'kill-after', {folder: plan.directory})},
			});
			expect(applied.exitCode, `step ${k + 1}: ${applied.stdout}${applied.stderr}`).toBeUndefined();
			expect(applied.stdout).toMatch(/Guard started \(pid \d+\) and watching/);
			const killed = Date.now();
			const journal = await settled(20_000);
			expect(shim.reset(), `the fault fired at step ${k + 1}`).toBe(true);
			expect(journal.status, `step ${k + 1}`).toBe('rolled-back');
			expect(journal.guard?.actedAt).toBeDefined();
			expect(readFileSync(`${journal.path}.guard.log`, 'utf8')).toContain(
				'guard: the applying process is gone; undoing',
			);
			expect(await laptopReachesHost(), `the laptop reaches the host after a kill at step ${k + 1}`).toBe(true);
			expect(Date.now() - killed).toBeLessThan(20_000);
			expect(await namespaceSnapshot(daemon, env()), `the host after a kill at step ${k + 1}`).toEqual(before);
		}
	});

	it('the guard killed while the steps run: the app says so and rolls back', async () => {
		const planFile = await bridgePlan('g-noguard', 'brng');
		const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
		const shim = new FaultShim(['ip', 'virsh']);
		const before = await namespaceSnapshot(daemon, env());
		// The app is frozen during step 2, the guard is killed, then the app goes on.
		const app = execa(
			'ip',
			['netns', 'exec', daemon.namespace, process.execPath, cliPath, 'apply', planFile, '--yes'],
			{
				env: {...env(), ...shim.env(plan.steps[1]!.run, 'signal', {signal: 'STOP', folder: plan.directory})},
				stdin: 'ignore',
				reject: false,
			},
		);
		for (let i = 0; i < 200 && !shim.fired(); i++) await new Promise((r) => setTimeout(r, 50));
		const ready = `${newestJournal().path}.guard-ready`;
		expect(existsSync(ready)).toBe(true);
		process.kill(Number(readFileSync(ready, 'utf8')), 'SIGKILL');
		process.kill(app.pid!, 'SIGCONT');
		const result = await app;
		expect(result.exitCode, String(result.stdout)).toBe(1);
		expect(String(result.stdout)).toMatch(
			/The SSH guard \(pid \d+\) is gone, so nothing would restore the network if this connection dropped: stopped before step 3/,
		);
		expect(newestJournal().status).toBe('rolled-back');
		expect(await namespaceSnapshot(daemon, env())).toEqual(before);
	});

	it('kvmnet confirm after the guard undid the change says so', async () => {
		const planFile = await bridgePlan('g-late', 'brlate');
		const applied = await runCli(['apply', planFile, '--yes', '--guard-seconds', '10'], {
			namespace: daemon.namespace,
			env: env(),
		});
		expect(applied.exitCode, applied.stderr).toBe(0);
		const journal = await (async () => {
			for (let i = 0; i < 100; i++) {
				const j = newestJournal();
				if (j.status !== 'applied' && j.status !== 'rolling-back') return j;
				await new Promise((r) => setTimeout(r, 200));
			}
			return newestJournal();
		})();
		expect(journal.status).toBe('undone');
		const late = await runCli(['confirm'], {namespace: daemon.namespace, env: env()});
		expect(late.exitCode).toBe(1);
		expect(late.stderr).toMatch(/too late: the guard undid bridge g-late at .* \(the deadline was .*\); it is undone/);
		expect(await laptopReachesHost()).toBe(true);
	});

	it('on a terminal, apply asks first, then asks to keep; n undoes at once (tmux at 80x24)', async () => {
		const planFile = await bridgePlan('g-tty', 'brtty');
		const before = await namespaceSnapshot(daemon, env());
		const {KVMNET_STATE_DIR, KVMNET_NETWORK_MANAGER, LIBVIRT_DEFAULT_URI, SSH_CONNECTION} = env();
		const session = await TmuxSession.start(
			['ip', 'netns', 'exec', daemon.namespace, process.execPath, cliPath, 'apply', planFile, '--guard-seconds', '60'],
			{env: {KVMNET_STATE_DIR, KVMNET_NETWORK_MANAGER, LIBVIRT_DEFAULT_URI, SSH_CONNECTION}},
		);
		try {
			await session.waitFor(/Apply these \d+ steps\? \[y\/N\]/, 15_000);
			await session.keys('y', 'Enter');
			await session.waitFor('Keep the changes? [y/N]', 30_000);
			await session.keys('n', 'Enter');
			const code = await session.waitForExit(30_000);
			expect(code, await session.screen()).toBe(0);
			const screen = await session.screen();
			expect(screen).toContain('Every completed step was undone.');
			expect(newestJournal().status).toBe('undone');
			expect(await laptopReachesHost()).toBe(true);
			expect(await namespaceSnapshot(daemon, env())).toEqual(before);
		} finally {
			await session.kill();
		}
	});
});
