// Apply and undo on a real libvirtd in a namespace, through the built kvmnet: the state is what the plan says
// after apply, and exactly what it was before after `kvmnet undo`. Then a failure injected at every step k of a
// plan: each time, the namespace ends exactly as before.
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Params} from '../source/core/fields.js';
import type {Plan} from '../source/core/plan.js';
import {applyPlan} from '../source/host/apply.js';
import {runCli} from './harness/cli.js';
import {NamespaceRunner} from './harness/fault-runner.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot, run} from './harness/netns.js';
import {Ovs} from './harness/ovs.js';
import {namespaceSnapshot} from './harness/snapshot.js';

describe.skipIf(!isRoot)('apply and undo on a real libvirtd', () => {
	let daemon: Libvirtd;
	let ovs: Ovs;
	let env: Record<string, string>;
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-apply-'));

	beforeAll(async () => {
		ovs = new Ovs();
		daemon = await Libvirtd.start('apply', {OVS_RUNDIR: ovs.dir});
		await ovs.start(daemon.namespace);
		await run(['ip', '-n', daemon.namespace, '-batch', '-'], {
			input: [
				'link add lan0 type veth peer name lan0p',
				'link set lan0 up',
				'link set lan0p up',
				'addr add 198.18.0.2/24 dev lan0',
				'route add default via 198.18.0.1',
				'addr add fd00:18::2/64 dev lan0 nodad',
				'route add default via fe80::1 dev lan0',
				'link add lan1 type veth peer name lan1p',
				'link set lan1 up',
			]
				.map((l) => `${l}\n`)
				.join(''),
		});
		await ovs.addBridge('obr0');
		env = {
			...ovs.env,
			KVMNET_STATE_DIR: join(work, 'state'),
			KVMNET_NETWORK_MANAGER: 'iproute2',
			LIBVIRT_DEFAULT_URI: daemon.uri,
		};
		// New links get IPv6 link-local addresses a moment later (duplicate address detection): wait for that.
		for (let i = 0; i < 100 && (await daemon.exec(['ip', '-j', 'addr'])).stdout.includes('"tentative"'); i++)
			await new Promise((r) => setTimeout(r, 100));
	});

	afterAll(async () => {
		await daemon?.stop();
		await ovs?.stop();
	});

	const kvmnet = (args: string[]) => runCli(args, {namespace: daemon.namespace, env});

	const snapshot = () => namespaceSnapshot(daemon, env);

	async function makePlan(mode: string, params: Params): Promise<string> {
		const out = join(work, `${mode}-${params.name}`);
		const result = await kvmnet([
			'plan',
			'--connect',
			daemon.uri,
			'--mode',
			mode,
			...Object.entries(params).flatMap(([k, v]) => [`--${k}`, v!]),
			'--out',
			out,
		]);
		if (result.exitCode !== 0) throw new Error(`plan failed: ${result.stderr}`);
		return join(out, 'plan.json');
	}

	const cases: [string, Params, () => Promise<void>][] = [
		[
			'nat',
			{name: 'a-nat', bridge: 'kvb1'},
			async () => {
				expect((await daemon.exec(['ip', '-j', 'addr', 'show', 'kvb1'])).stdout).toContain('"local":"192.168.100.1"');
				expect((await daemon.exec(['ss', '-lnup'])).stdout).toMatch(/192\.168\.100\.1:53\b.*dnsmasq/);
			},
		],
		[
			'route',
			{name: 'a-route', bridge: 'kvb2', uplink: 'lan0'},
			async () => expect((await daemon.virsh('net-info a-route')).stdout).toMatch(/Active:\s+yes/),
		],
		[
			'isolated',
			{name: 'a-iso', bridge: 'kvb3'},
			async () => expect((await daemon.exec(['ip', 'link', 'show', 'kvb3'])).stdout).toContain('kvb3'),
		],
		[
			'open',
			{name: 'a-open', bridge: 'kvb4'},
			async () => expect((await daemon.exec(['ip', 'link', 'show', 'kvb4'])).stdout).toContain('kvb4'),
		],
		[
			'bridge',
			{name: 'a-br', bridge: 'brlan', uplink: 'lan0'},
			async () => {
				// The host bridge took the uplink, its addresses, its default routes (IPv4 and IPv6) and its MAC.
				const bridge = JSON.parse((await daemon.exec(['ip', '-j', 'addr', 'show', 'brlan'])).stdout)[0];
				const lan0 = JSON.parse((await daemon.exec(['ip', '-j', 'addr', 'show', 'lan0'])).stdout)[0];
				expect(bridge.addr_info.map((a: {local: string}) => a.local)).toEqual(
					expect.arrayContaining(['198.18.0.2', 'fd00:18::2']),
				);
				expect(lan0.addr_info.map((a: {local: string}) => a.local)).not.toContain('fd00:18::2');
				expect(lan0.master).toBe('brlan');
				expect(bridge.address).toBe(lan0.address);
				expect((await daemon.exec(['ip', 'route', 'show', 'default'])).stdout).toContain('dev brlan');
				expect((await daemon.exec(['ip', '-6', 'route', 'show', 'default'])).stdout).toContain('via fe80::1 dev brlan');
			},
		],
		[
			'macvtap-bridge',
			{name: 'a-mvt', uplink: 'lan1'},
			async () => expect((await daemon.virsh('net-info a-mvt')).stdout).toMatch(/Active:\s+yes/),
		],
		[
			'ovs',
			{name: 'a-ovs', bridge: 'obr0', vlan: '10,20'},
			async () => expect((await daemon.virsh('net-dumpxml a-ovs')).stdout).toContain("<portgroup name='trunk'>"),
		],
		[
			'ovs',
			{name: 'a-ovs2', bridge: 'obr9', uplink: 'lan1'},
			async () => expect((await daemon.exec(['ovs-vsctl', 'list-ports', 'obr9'], env)).stdout.trim()).toBe('lan1'),
		],
	];

	it.each(cases)(
		'%s: apply gives the planned state, undo gives back the exact state before',
		async (mode, params, check) => {
			const before = await snapshot();
			const planFile = await makePlan(mode, params);
			const applied = await kvmnet(['apply', planFile, '--yes']);
			expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
			expect(applied.stdout).toMatch(/All \d+ steps done and checked\./);
			// No log line without words (virsh ends its answers with a blank line: it was shown as "[1] ").
			expect(applied.stdout).not.toMatch(/\[\d+\] *$/m);
			await check();
			const undone = await kvmnet(['undo', '--yes']);
			expect(undone.exitCode, undone.stdout + undone.stderr).toBe(0);
			expect(undone.stdout).toContain('Every completed step was undone.');
			expect(await snapshot()).toEqual(before);
		},
	);

	it('refuses a plan the host no longer fits, and changes nothing', async () => {
		const planFile = await makePlan('isolated', {name: 'a-twice', bridge: 'kvb7'});
		await daemon.virsh(`net-define ${join(work, 'isolated-a-twice', 'network-a-twice.xml')}`);
		const before = await snapshot();
		const result = await kvmnet(['apply', planFile, '--yes']);
		expect(result.exitCode).toBe(2);
		expect(result.stderr).toContain(
			'kvmnet: the plan no longer fits this host: name: a libvirt network named a-twice already exists',
		);
		expect(result.stderr).toContain('kvmnet: nothing was changed.');
		expect(await snapshot()).toEqual(before);
		await daemon.virsh('net-undefine a-twice');
	});

	it.each([
		['bridge', {name: 'f-br', bridge: 'brfault', uplink: 'lan0'}],
		['nat', {name: 'f-nat', bridge: 'kvbf'}],
		['ovs', {name: 'f-ovs', bridge: 'obrf', uplink: 'lan1'}],
	] as [string, Params][])(
		'%s: a failure at each step k rolls back to exactly the state before',
		async (mode, params) => {
			const plan = JSON.parse(readFileSync(await makePlan(mode, params), 'utf8')) as Plan;
			for (let k = 0; k < plan.steps.length; k++) {
				const before = await snapshot();
				// The real engine and real commands, in the namespace; only step k's command fails, without running.
				const runner = new NamespaceRunner(daemon.namespace, env, plan.steps[k]!.run);
				const journal = await applyPlan(plan, {runner, journalDir: join(work, 'journals')});
				expect(journal.status, `failure at step ${k + 1}`).toBe('rolled-back');
				expect(journal.steps.map((s) => s.state)).toEqual(
					plan.steps.map((_, i) => (i < k ? 'undone' : i === k ? 'failed' : 'pending')),
				);
				expect(await snapshot(), `state after a failure at step ${k + 1}`).toEqual(before);
			}
		},
	);

	it('a step whose check fails is undone too (ovs-vsctl can exit 0 and fail)', async () => {
		const plan = JSON.parse(readFileSync(await makePlan('ovs', {name: 'f-check', bridge: 'obrc'}), 'utf8')) as Plan;
		const before = await snapshot();
		// The check of step 1 looks for a bridge that is not there, as after a silent failure of add-br.
		const lying: Plan = {
			...plan,
			steps: plan.steps.map((step, i) =>
				i === 0
					? {...step, verify: {run: ['ovs-vsctl', 'br-exists', 'nosuchbridge'], proves: 'OVS bridge obrc exists'}}
					: step,
			),
		};
		const journal = await applyPlan(lying, {
			runner: new NamespaceRunner(daemon.namespace, env),
			journalDir: join(work, 'journals'),
		});
		expect(journal.status).toBe('rolled-back');
		expect(journal.steps[0]!.error).toMatch(/^check failed: OVS bridge obrc exists: not so/);
		expect(journal.steps[0]!.state).toBe('undone');
		expect(await snapshot()).toEqual(before);
	});
});
