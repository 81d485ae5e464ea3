// `kvmnet undo` from any state, and one change at a time, on a real libvirtd in a namespace: journals that cannot
// be read are named and skipped; an older apply is undone by its id; a VM that started using the network after the
// apply stops the undo (named) unless --force; a second apply or undo while one runs is refused, naming the holder.
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Journal} from '../source/core/journal.js';
import {cliPath, runCli} from './harness/cli.js';
import {FaultShim} from './harness/fault-shim.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot} from './harness/netns.js';

describe.skipIf(!isRoot)('undo from any state, one change at a time', () => {
	let daemon: Libvirtd;
	let env: Record<string, string>;
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-undo-'));
	const journals = join(work, 'state', 'journals');
	const kvmnet = (args: string[], extra: Record<string, string> = {}) =>
		runCli(args, {namespace: daemon.namespace, env: {...env, ...extra}});
	const networks = async () =>
		(await daemon.virsh('net-list --all --name')).stdout
			.split('\n')
			.map((l) => l.trim())
			.filter(Boolean)
			.sort();

	async function plan(name: string, bridge: string): Promise<string> {
		const out = join(work, name);
		const made = await kvmnet(['plan', '--mode', 'isolated', '--name', name, '--bridge', bridge, '--out', out]);
		expect(made.exitCode, made.stderr).toBe(0);
		return join(out, 'plan.json');
	}
	const idOf = (stdout: string) => /Journal: \S+\/([^/\s]+)\.json/.exec(stdout)![1]!;

	beforeAll(async () => {
		daemon = await Libvirtd.start('undost');
		env = {
			...(process.env as Record<string, string>),
			KVMNET_STATE_DIR: join(work, 'state'),
			KVMNET_NETWORK_MANAGER: 'iproute2',
			LIBVIRT_DEFAULT_URI: daemon.uri,
		};
	});
	afterAll(async () => daemon?.stop());

	it('names and skips journals that cannot be read, and they block nothing', async () => {
		mkdirSync(journals, {recursive: true});
		writeFileSync(join(journals, '20990101-000000-cut-1.json'), '{"id": "cut", "status": "appl');
		writeFileSync(join(journals, '20990101-000000-foreign-2.json'), '{"hello": "world"}\n');
		const applied = await kvmnet(['apply', await plan('u-read', 'kvu1'), '--yes']);
		expect(applied.exitCode, applied.stderr).toBe(0);
		const list = await kvmnet(['undo', '--list']);
		expect(list.exitCode).toBe(0);
		expect(list.stderr).toMatch(/skipped .*20990101-000000-cut-1\.json: Unterminated string/);
		expect(list.stderr).toMatch(/skipped .*20990101-000000-foreign-2\.json: not a kvmnet journal/);
		expect(list.stdout).toMatch(new RegExp(`^${idOf(applied.stdout)}: isolated u-read \\(applied\\)`, 'm'));
		const confirm = await kvmnet(['confirm']);
		expect(confirm).toMatchObject({
			exitCode: 2,
			stderr: expect.stringContaining('no apply is waiting for confirmation'),
		});
		const undone = await kvmnet(['undo', '--yes']);
		expect(undone.exitCode, undone.stderr).toBe(0);
		expect(undone.stderr).toMatch(/skipped a journal that cannot be read: .*cut-1\.json/);
		expect(await networks()).not.toContain('u-read');
	});

	it('undoes an older apply by its id, and leaves the newer one', async () => {
		const first = await kvmnet(['apply', await plan('u-old', 'kvu2'), '--yes']);
		const second = await kvmnet(['apply', await plan('u-new', 'kvu3'), '--yes']);
		expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
		const undone = await kvmnet(['undo', idOf(first.stdout), '--yes']);
		expect(undone.exitCode, undone.stderr).toBe(0);
		expect(undone.stdout).toContain(`Undoing ${idOf(first.stdout)}: isolated u-old`);
		expect(await networks()).toEqual(expect.arrayContaining(['u-new']));
		expect(await networks()).not.toContain('u-old');
		expect((await kvmnet(['undo', idOf(first.stdout), '--yes'])).stderr).toMatch(
			/isolated u-old \(undone\).*: nothing to undo/,
		);
		expect((await kvmnet(['undo', 'nosuch', '--yes'])).stderr).toContain('there is no journal nosuch');
		expect((await kvmnet(['undo', '--yes'])).exitCode).toBe(0);
		expect(await networks()).not.toContain('u-new');
	});

	it('refuses to undo a network a VM started using after the apply, naming the VM, unless --force', async () => {
		const applied = await kvmnet(['apply', await plan('u-used', 'kvu4'), '--yes']);
		expect(applied.exitCode).toBe(0);
		const vm = join(work, 'late.xml');
		writeFileSync(
			vm,
			"<domain type='qemu'><name>late</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os><devices><interface type='network'><source network='u-used'/></interface></devices></domain>\n",
		);
		await daemon.virsh(`define ${vm}`);
		const refused = await kvmnet(['undo', '--yes']);
		expect(refused.exitCode).toBe(2);
		expect(refused.stderr).toContain('VM late now uses what this undo removes (u-used)');
		expect(refused.stderr).toContain('or pass --force. Nothing was changed.');
		expect(await networks()).toContain('u-used');
		const forced = await kvmnet(['undo', '--yes', '--force']);
		expect(forced.exitCode, forced.stderr).toBe(0);
		expect(await networks()).not.toContain('u-used');
		await daemon.virsh('undefine late');
	});

	it('asks on a terminal only: without --yes and without a terminal, nothing is undone', async () => {
		const applied = await kvmnet(['apply', await plan('u-ask', 'kvu5'), '--yes']);
		expect(applied.exitCode).toBe(0);
		expect((await kvmnet(['undo'])).stderr).toContain(
			'undo asks before changing the host; pass --yes when not on a terminal',
		);
		expect(await networks()).toContain('u-ask');
		expect((await kvmnet(['undo', '--yes'])).exitCode).toBe(0);
	});

	it('refuses a second apply or an undo while one runs, naming its pid and plan', async () => {
		const shim = new FaultShim(['virsh']);
		const file = await plan('u-lock', 'kvu6');
		const steps = (JSON.parse(readFileSync(file, 'utf8')) as {steps: {run: string[]}[]; directory: string}).steps;
		// The first apply is frozen (SIGSTOP) at its second step, holding the lock.
		const first = execa('ip', ['netns', 'exec', daemon.namespace, process.execPath, cliPath, 'apply', file, '--yes'], {
			env: {...env, ...shim.env(steps[1]!.run, 'signal', {signal: 'STOP'})},
			stdin: 'ignore',
			reject: false,
		});
		for (let i = 0; i < 100 && !shim.fired(); i++) await new Promise((r) => setTimeout(r, 100));
		expect(shim.fired()).toBe(true);
		const second = await kvmnet(['apply', await plan('u-lock2', 'kvu7'), '--yes']);
		expect(second.exitCode).toBe(2);
		expect(second.stderr).toMatch(
			new RegExp(
				`another kvmnet is changing this host: pid ${first.pid}, apply isolated "u-lock" .*Nothing was changed`,
			),
		);
		const undo = await kvmnet(['undo', '--yes']);
		expect(undo.exitCode).toBe(2);
		expect(undo.stderr).toContain(`pid ${first.pid}`);
		process.kill(first.pid!, 'SIGCONT');
		expect((await first).exitCode).toBe(0);
		expect(await networks()).toContain('u-lock');
		expect(await networks()).not.toContain('u-lock2');
		expect((await kvmnet(['undo', '--yes'])).exitCode).toBe(0);
		const last = JSON.parse(
			readFileSync(
				join(
					journals,
					(await import('node:fs'))
						.readdirSync(journals)
						.filter((f) => f.includes('u-lock-'))
						.pop()!,
				),
				'utf8',
			),
		) as Journal;
		expect(last.status).toBe('undone');
	});
});
