// The fault matrix: for every step k of a plan, the built kvmnet applying it is SIGKILLed (then `kvmnet undo --yes`
// runs), sent SIGINT, SIGTERM or SIGHUP (it rolls back by itself), has its stdout closed (it finishes; undo
// follows), or finds its journal's disk full (it rolls back) — at step k, through the fault shim. After each, the
// host namespace must be exactly as it was before. Used by one test file per plan, so the two run side by side.
import {execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, expect, it} from 'vitest';
import type {Journal} from '../../source/core/journal.js';
import type {Plan} from '../../source/core/plan.js';
import {cliPath, runCli} from './cli.js';
import {FaultShim} from './fault-shim.js';

export interface MatrixHost {
	namespace: string;
	/** kvmnet's environment (LIBVIRT_DEFAULT_URI, OVS…), without the state directory. */
	env: Record<string, string>;
	planFile: string;
	/** Everything the plan could change, in a form that compares equal when nothing changed. */
	snapshot: () => Promise<unknown>;
}

export interface MatrixTally {
	runs: number;
	restored: number;
}

export function faultMatrix(
	setup: () => Promise<MatrixHost>,
	teardown: () => Promise<void>,
	tally: MatrixTally = {runs: 0, restored: 0},
): void {
	let host: MatrixHost;
	let plan: Plan;
	const shim = new FaultShim(['ip', 'virsh', 'ovs-vsctl']);
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-matrix-'));
	// A small disk of its own for the state directory, so it can be filled at step k.
	const disk = join(work, 'disk');
	const state = join(disk, 'state');

	// Unmounted in afterAll, and again at process exit if a test died first (as the namespaces are).
	const unmount = () => execFileSync('umount', [disk], {stdio: 'ignore'});
	const atExit = () => {
		try {
			unmount();
		} catch {
			// Not mounted (any more).
		}
	};

	beforeAll(async () => {
		mkdirSync(disk);
		execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'kvmnet-matrix', disk]);
		process.once('exit', atExit);
		host = await setup();
		plan = JSON.parse(readFileSync(host.planFile, 'utf8')) as Plan;
	});

	afterAll(async () => {
		unmount();
		process.off('exit', atExit);
		rmSync(work, {recursive: true, force: true});
		rmSync(shim.dir, {recursive: true, force: true});
		await teardown();
	});

	const kvmnet = (args: string[], extra: Record<string, string> = {}) =>
		runCli(args, {namespace: host.namespace, env: {...host.env, KVMNET_STATE_DIR: state, ...extra}});
	const newestJournal = () => {
		const dir = join(state, 'journals');
		const name = readdirSync(dir)
			.filter((f) => f.endsWith('.json'))
			.sort()
			.pop()!;
		return JSON.parse(readFileSync(join(dir, name), 'utf8')) as Journal;
	};
	const each = async (fault: (k: number) => Promise<void>) => {
		for (let k = 0; k < plan.steps.length; k++) {
			const before = await host.snapshot();
			await fault(k);
			tally.runs++;
			expect(await host.snapshot(), `the host after a fault at step ${k + 1} (${plan.steps[k]!.title})`).toEqual(
				before,
			);
			tally.restored++;
			// Nothing is left to undo.
			expect((await kvmnet(['undo', '--yes'])).exitCode, `undo after step ${k + 1}`).toBe(2);
		}
	};

	it('SIGKILL at step k, after its command ran, then kvmnet undo --yes: exactly the state before', async () => {
		await each(async (k) => {
			const applied = await kvmnet(
				['apply', host.planFile, '--yes'],
				shim.env(plan.steps[k]!.run, 'kill-after', {folder: plan.directory}),
			);
			expect(shim.reset(), `the fault fired at step ${k + 1}`).toBe(true);
			expect(applied.exitCode, applied.stdout + applied.stderr).toBeUndefined();
			expect(newestJournal().steps[k]!.state).toBe('running');
			const undone = await kvmnet(['undo', '--yes']);
			expect(undone.exitCode, undone.stdout + undone.stderr).toBe(0);
			expect(undone.stdout).toContain(`${k + 1}. ${plan.steps[k]!.title}`);
		});
	});

	it.each([
		['SIGINT', 130],
		['SIGTERM', 143],
		['SIGHUP', 129],
	])('%s at step k: kvmnet rolls back by itself and exits %i', async (signal, code) => {
		await each(async (k) => {
			const applied = await kvmnet(
				['apply', host.planFile, '--yes'],
				shim.env(plan.steps[k]!.run, 'signal', {signal: signal.slice(3), folder: plan.directory}),
			);
			expect(shim.reset()).toBe(true);
			expect(applied.exitCode, applied.stdout + applied.stderr).toBe(code);
			expect(applied.stdout).toContain(`${signal}: stopping after the step under way`);
			expect(applied.stdout).toContain('Every completed step was undone.');
			expect(newestJournal().status).toBe('rolled-back');
		});
	});

	it('stdout closed at step k: the apply goes on to its end, and undo then restores the state before', async () => {
		await each(async (k) => {
			const child = execa(
				'ip',
				['netns', 'exec', host.namespace, process.execPath, cliPath, 'apply', host.planFile, '--yes'],
				{
					env: {...host.env, KVMNET_STATE_DIR: state},
					stdin: 'ignore',
					buffer: false,
					reject: false,
				},
			);
			let seen = '';
			child.stdout!.on('data', (chunk: Buffer) => {
				seen += chunk.toString();
				if (seen.includes(`▶ Step ${k + 1}/`)) child.stdout!.destroy();
			});
			let stderr = '';
			child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
			const result = await child;
			expect(result.exitCode, stderr).toBe(0);
			expect(stderr).toBe('');
			expect(newestJournal().status).toBe('applied');
			const undone = await kvmnet(['undo', '--yes']);
			expect(undone.exitCode, undone.stdout + undone.stderr).toBe(0);
		});
	});

	it("the journal's disk fills up at step k: kvmnet rolls back and records it", async () => {
		const filler = join(disk, 'filler');
		await each(async (k) => {
			const applied = await kvmnet(
				['apply', host.planFile, '--yes'],
				shim.env(plan.steps[k]!.run, 'fill', {fill: filler, folder: plan.directory}),
			);
			expect(shim.reset()).toBe(true);
			rmSync(filler, {force: true});
			expect(applied.exitCode, applied.stdout + applied.stderr).toBe(1);
			expect(applied.stdout).toMatch(/could not be written: .*ENOSPC/);
			const journal = newestJournal();
			expect(journal.status).toBe('rolled-back');
			expect(journal.reason).toMatch(/the journal could not be written/);
		});
	});

	it('with the disk nearly full (4 to 64 KB free), the journal is never cut off: refused, rolled back, or applied and undoable', async () => {
		const filler = join(disk, 'filler');
		for (const freeKb of [4, 12, 20, 28, 36, 48, 64]) {
			const before = await host.snapshot();
			const available = Number((await execa('df', ['--output=avail', '-B1', disk])).stdout.split('\n')[1]);
			await execa('fallocate', ['-l', String(Math.max(0, available - freeKb * 1024)), filler]);
			const applied = await kvmnet(['apply', host.planFile, '--yes']);
			rmSync(filler);
			expect([0, 1, 2], `${freeKb} KB free: ${applied.stdout}${applied.stderr}`).toContain(applied.exitCode);
			// Every journal there is whole.
			for (const name of readdirSync(join(state, 'journals')).filter((f) => f.endsWith('.json')))
				expect(
					() => JSON.parse(readFileSync(join(state, 'journals', name), 'utf8')),
					`${name} with ${freeKb} KB free`,
				).not.toThrow();
			if (applied.exitCode === 0) {
				const undone = await kvmnet(['undo', '--yes']);
				expect(undone.exitCode, undone.stdout + undone.stderr).toBe(0);
			}
			expect(await host.snapshot(), `the host after an apply with ${freeKb} KB free`).toEqual(before);
		}
	});

	it('with the disk already full, nothing runs', async () => {
		const filler = join(disk, 'filler');
		rmSync(join(state, 'journals', '.reserve'), {force: true});
		await execa('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], {reject: false});
		const before = await host.snapshot();
		const applied = await kvmnet(['apply', host.planFile, '--yes']);
		rmSync(filler);
		expect(applied.exitCode).toBe(2);
		expect(applied.stderr).toMatch(/ENOSPC.*so nothing was changed/);
		expect(await host.snapshot()).toEqual(before);
	});
}
