// The apply screen driven through the app (ink-testing-library), against a real libvirtd in a namespace: the
// inventory is scanned and the plan applied through a runner that runs every command in that namespace.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {render} from 'ink-testing-library';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {App} from '../source/app.js';
import {applyPlan, confirmJournal, undoRecorded} from '../source/host/apply.js';
import {readJournal} from '../source/host/journal-store.js';
import type {ApplyService} from '../source/host/apply-service.js';
import {preflight} from '../source/host/preflight.js';
import {scanHost} from '../source/host/scan.js';
import {plainTheme} from '../source/ui/theme.js';
import {NamespaceRunner} from './harness/fault-runner.js';
import {until} from './harness/frames.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot} from './harness/netns.js';

describe.skipIf(!isRoot)('the apply screen', () => {
	let daemon: Libvirtd;
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-apply-ui-'));
	const env = {...(process.env as Record<string, string>), KVMNET_NETWORK_MANAGER: 'iproute2'};

	beforeAll(async () => {
		daemon = await Libvirtd.start('applyui');
	});
	afterAll(async () => {
		await daemon?.stop();
	});

	function start(failOn?: (plan: string[][]) => string[]) {
		const load = () => scanHost({connect: daemon.uri, runner: new NamespaceRunner(daemon.namespace, env), env});
		const service: ApplyService = {
			preflight: async (plan) =>
				preflight(plan, await load(), new NamespaceRunner(daemon.namespace, env), {
					uri: daemon.uri,
					planDirectory: (name) => join(work, 'run', name),
				}),
			apply: (plan, hooks) =>
				applyPlan(plan, {
					runner: new NamespaceRunner(daemon.namespace, env, failOn?.(plan.steps.map((s) => s.run))),
					journalDir: join(work, 'journals'),
					hooks,
				}),
			arm: async (j) => j,
			keep: async (j) => confirmJournal(j),
			undo: (j, hooks) => undoRecorded(readJournal(j.path), new NamespaceRunner(daemon.namespace, env), hooks),
			read: async (j) => readJournal(j.path),
			reachable: async () => true,
			guardAlive: async () => true,
			interrupted: async () => undefined,
			stop: () => undefined,
			idle: async () => undefined,
		};
		return render(<App load={load} theme={plainTheme} planDirectory={(name) => join(work, name)} applier={service} />);
	}

	async function toApplyConfirm(app: ReturnType<typeof start>, name: string) {
		// The tab counts appear once the scan is in.
		await until(app.lastFrame, / 4 Networks \d+ /, 15_000);
		// New network → Isolated (4th mode) → name it → preview → apply.
		app.stdin.write(`n${'\x1b[B'.repeat(3)}\r`);
		await until(app.lastFrame, 'Isolated (host-only): new network');
		app.stdin.write(`\x15${name}\r`);
		await until(app.lastFrame, `Preview: Isolated (host-only) ${name}`);
		app.stdin.write('a');
		return until(app.lastFrame, 'this will change the host');
	}

	it('shows what will change, streams the log while steps run, and ends applied', async () => {
		const app = start();
		const confirm = await toApplyConfirm(app, 'ui-ok');
		expect(confirm).toContain('1. Define libvirt network ui-ok');
		app.stdin.write('y');
		const frame = await until(app.lastFrame, 'Applied: every step done and checked.', 20_000);
		expect(frame).toContain('✓ 3. Start ui-ok at boot (done)');
		// While it ran, a frame showed a step running with its command in the log below it.
		expect(app.frames.some((f) => /▶ \d\. .* \(running\)/.test(f) && /\$ virsh -c/.test(f))).toBe(true);
		expect((await daemon.virsh('net-info ui-ok')).stdout).toMatch(/Active:\s+yes/);
		app.stdin.write('\r');
		await until(app.lastFrame, / 4 Networks 1 /, 15_000);
		app.unmount();
		await daemon.virsh('net-destroy ui-ok; net-undefine ui-ok');
	});

	it('shows a failing step and the rollback of the steps before it', async () => {
		const app = start((runs) => runs[1]!);
		await toApplyConfirm(app, 'ui-fail');
		app.stdin.write('y');
		const frame = await until(app.lastFrame, 'Nothing changed in the end', 20_000);
		expect(frame).toContain('↩ 1. Define libvirt network ui-fail (undone)');
		expect(frame).toContain('✗ 2. Start network ui-fail (failed)');
		expect(frame).toContain('Every completed step was undone.');
		expect((await daemon.virsh('net-list --all --name')).stdout).not.toContain('ui-fail');
		app.unmount();
	});
});
