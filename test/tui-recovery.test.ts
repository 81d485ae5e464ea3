// The TUI and a host left half-way, under tmux at 80x24 on a real libvirtd in a namespace: an apply SIGKILLed at a
// step is found when the app starts and undone with `u`; and SIGTERM to the app while it applies rolls the steps
// back before it exits with 143.
import {mkdtempSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Journal} from '../source/core/journal.js';
import type {Plan} from '../source/core/plan.js';
import {cliPath, runCli} from './harness/cli.js';
import {FaultShim} from './harness/fault-shim.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot} from './harness/netns.js';
import {TmuxSession} from './harness/tmux.js';

describe.skipIf(!isRoot)('the TUI with an interrupted apply', () => {
	let daemon: Libvirtd;
	let env: Record<string, string>;
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-tuirec-'));
	const journals = join(work, 'state', 'journals');
	const sessions: TmuxSession[] = [];
	const networks = async () => (await daemon.virsh('net-list --all --name')).stdout.trim();
	const newestJournal = () =>
		JSON.parse(
			readFileSync(
				join(
					journals,
					readdirSync(journals)
						.filter((f) => f.endsWith('.json'))
						.sort()
						.pop()!,
				),
				'utf8',
			),
		) as Journal;
	const app = async (extra: Record<string, string> = {}) => {
		const session = await TmuxSession.start(
			['ip', 'netns', 'exec', daemon.namespace, process.execPath, cliPath, '--connect', daemon.uri],
			{env: {KVMNET_STATE_DIR: join(work, 'state'), KVMNET_NETWORK_MANAGER: 'iproute2', ...extra}},
		);
		sessions.push(session);
		return session;
	};

	beforeAll(async () => {
		daemon = await Libvirtd.start('tuirec');
		env = {
			...(process.env as Record<string, string>),
			KVMNET_STATE_DIR: join(work, 'state'),
			KVMNET_NETWORK_MANAGER: 'iproute2',
			LIBVIRT_DEFAULT_URI: daemon.uri,
		};
	});
	afterAll(async () => {
		for (const session of sessions) await session.kill();
		await daemon?.stop();
	});

	it('offers to undo an apply that was SIGKILLed at step 2, and u undoes it', async () => {
		const out = join(work, 'killed');
		expect(
			(
				await runCli(['plan', '--mode', 'isolated', '--name', 'tr-kill', '--bridge', 'kvtr1', '--out', out], {
					namespace: daemon.namespace,
					env,
				})
			).exitCode,
		).toBe(0);
		const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as Plan;
		const shim = new FaultShim(['virsh']);
		const killed = await runCli(['apply', join(out, 'plan.json'), '--yes'], {
			namespace: daemon.namespace,
			env: {...env, ...shim.env(plan.steps[1]!.run, 'kill-after', {folder: plan.directory})},
		});
		expect(killed.exitCode).toBeUndefined();
		expect(await networks()).toContain('tr-kill');
		const session = await app();
		const offer = await session.waitFor('An apply was left half-way: isolated tr-kill', 15_000);
		expect(offer).toContain('▶ 2. Start network tr-kill (running)');
		expect(offer).toContain('u undo it now (recommended)');
		await session.keys('u');
		const done = await session.waitFor('Nothing changed in the end', 15_000);
		expect(done).toContain('Every completed step was undone.');
		expect(await networks()).not.toContain('tr-kill');
		expect(newestJournal().status).toBe('rolled-back');
		await session.keys('Enter');
		await session.waitFor(/ 4 Networks \d+ /, 15_000);
		await session.keys('q');
		expect(await session.waitForExit()).toBe(0);
	});

	it('SIGTERM while the TUI applies: the steps are rolled back, then it exits with 143', async () => {
		const shim = new FaultShim(['virsh']);
		// The network XML file's folder is made by the app, so the fault matches the start step by its name only.
		const session = await app(
			shim.env(['virsh', '-c', daemon.uri, 'net-start', '--network', 'tr-term'], 'signal', {signal: 'TERM'}),
		);
		await session.waitFor(/ 4 Networks \d+ /, 15_000);
		await session.keys('n', 'Down', 'Down', 'Down', 'Enter');
		await session.waitFor('Isolated (host-only): new network');
		await session.keys('C-u');
		await session.keys('-l', 'tr-term');
		await session.keys('Enter');
		await session.waitFor('Preview: Isolated (host-only) tr-term');
		await session.keys('a');
		await session.waitFor('this will change the host');
		await session.keys('y');
		expect(await session.waitForExit(30_000)).toBe(143);
		expect(shim.fired()).toBe(true);
		expect(await networks()).not.toContain('tr-term');
		const journal = newestJournal();
		expect(journal.status).toBe('rolled-back');
		expect(journal.reason).toMatch(/^Received SIGTERM: stopped before step 3/);
	});
});
