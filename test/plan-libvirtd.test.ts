// Plans run against a real libvirtd in a namespace: every mode this kernel can carry is defined and started
// there, and each VM interface is accepted in a domain definition. What the kernel cannot do (SR-IOV, <vlan> on a
// Linux bridge before libvirt 11) is checked through libvirt's own error messages.
import {writeFileSync} from 'node:fs';
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Params} from '../source/core/fields.js';
import type {HostModel} from '../source/core/model.js';
import type {Plan} from '../source/core/plan.js';
import {makePlan} from '../source/plan/planner.js';
import {networkXml} from '../source/core/xml-build.js';
import {inventoryJson} from './harness/cli.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot, run} from './harness/netns.js';
import {Ovs} from './harness/ovs.js';

describe.skipIf(!isRoot)('plans on a real libvirtd', () => {
	let daemon: Libvirtd;
	let ovs: Ovs;
	let host: HostModel;
	const dir = mkdtempSync(join(tmpdir(), 'kvmnet-plans-'));

	beforeAll(async () => {
		ovs = new Ovs();
		daemon = await Libvirtd.start('plan', {OVS_RUNDIR: ovs.dir});
		await ovs.start(daemon.namespace);
		const ns = daemon.namespace;
		await run(['ip', '-n', ns, '-batch', '-'], {
			input: [
				'link add lan0 type veth peer name lan0p',
				'link add lan1 type veth peer name lan1p',
				'link add brport0 type veth peer name brport0p',
				'link add br0 type bridge',
				'link set brport0 master br0',
				'link set br0 up',
				'link set lan0 up',
				'link set lan0p up',
				'link set lan1 up',
			]
				.map((l) => `${l}\n`)
				.join(''),
		});
		await ovs.addBridge('obr0');
		host = await inventoryJson(['--connect', daemon.uri], {namespace: ns, env: ovs.env});
	});

	afterAll(async () => {
		await daemon?.stop();
		await ovs?.stop();
	});

	const planFor = (mode: string, params: Params): Plan => {
		const result = makePlan(mode, params, host, {uri: daemon.uri, directory: () => dir});
		if (!result.plan) throw new Error(result.errors.map((e) => e.message).join('; '));
		return result.plan;
	};

	/** Run the plan's libvirt steps as apply will: write each step's files, then run its argv. */
	async function runLibvirtSteps(plan: Plan): Promise<void> {
		for (const step of plan.steps) {
			if (step.run[0] !== 'virsh') throw new Error(`unexpected host step in this test: ${step.run.join(' ')}`);
			for (const file of step.writes ?? []) writeFileSync(file.path, file.content);
			await run(['ip', 'netns', 'exec', daemon.namespace, ...step.run], {env: ovs.env});
		}
	}

	const cases: [string, Params, (name: string) => Promise<void>][] = [
		[
			'nat',
			{name: 'p-nat', bridge: 'kvbr1', uplink: 'lan0'},
			async () =>
				expect((await daemon.exec(['ip', '-j', 'addr', 'show', 'kvbr1'])).stdout).toContain('"local":"192.168.100.1"'),
		],
		[
			'route',
			{name: 'p-route', bridge: 'kvbr2', uplink: 'lan0'},
			async () => expect((await daemon.exec(['ip', 'link', 'show', 'kvbr2'])).stdout).toContain('kvbr2'),
		],
		[
			'isolated',
			{name: 'p-iso', bridge: 'kvbr3'},
			async () => expect((await daemon.exec(['ip', 'link', 'show', 'kvbr3'])).stdout).toContain('kvbr3'),
		],
		[
			'open',
			{name: 'p-open', bridge: 'kvbr4'},
			async () => expect((await daemon.exec(['ip', 'link', 'show', 'kvbr4'])).stdout).toContain('kvbr4'),
		],
		['bridge', {name: 'p-bridge', bridge: 'br0'}, async () => undefined],
		['macvtap-bridge', {name: 'p-mvb', uplink: 'lan0'}, async () => undefined],
		['macvtap-private', {name: 'p-mvp', uplink: 'lan0'}, async () => undefined],
		['macvtap-vepa', {name: 'p-mvv', uplink: 'lan0'}, async () => undefined],
		['macvtap-passthrough', {name: 'p-mvpt', uplink: 'lan1'}, async () => undefined],
		['ovs', {name: 'p-ovs', bridge: 'obr0', vlan: '10,20'}, async () => undefined],
		['vlan', {name: 'p-vlan', 'vlan-method': 'ovs', bridge: 'obr0', vlan: '30'}, async () => undefined],
	];

	// Each case in turn: the free subnet moves on as each NAT/routed network takes one.
	it.each(cases)('%s: defined and started by the daemon', async (mode, params, check) => {
		host = await inventoryJson(['--connect', daemon.uri], {namespace: daemon.namespace, env: ovs.env});
		const plan = planFor(mode, params);
		await runLibvirtSteps(plan);
		const info = await daemon.virsh(`net-info ${params.name}`);
		expect(info.stdout).toMatch(/Active:\s+yes/);
		expect(info.stdout).toMatch(/Autostart:\s+yes/);
		await check(params.name!);
		// The daemon's parser accepts the VM interface inside a domain.
		const domain = `<domain type='qemu'><name>vm-${params.name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os><devices>${plan.interfaceXml}</devices></domain>`;
		writeFileSync(join(dir, 'domain.xml'), domain);
		const defined = await daemon.virsh(
			`define ${join(dir, 'domain.xml')}; list --all --name; undefine vm-${params.name}`,
		);
		expect(defined.stdout.split('\n')).toContain(`vm-${params.name}`);
	});

	it('the inventory then shows every network with the mode it was planned as', async () => {
		const after = await inventoryJson(['--connect', daemon.uri], {namespace: daemon.namespace, env: ovs.env});
		const modes = Object.fromEntries(after.networks.map((n) => [n.name, n.mode]));
		expect(modes).toMatchObject({
			'p-nat': 'nat',
			'p-route': 'route',
			'p-iso': 'isolated',
			'p-open': 'open',
			'p-bridge': 'bridge',
			'p-mvb': 'macvtap-bridge',
			'p-mvp': 'macvtap-private',
			'p-mvv': 'macvtap-vepa',
			'p-mvpt': 'macvtap-passthrough',
			'p-ovs': 'ovs',
			'p-vlan': 'ovs',
		});
	});

	it('libvirt itself refuses what this kernel or version cannot do: an SR-IOV pool without VFs, <vlan> on a Linux bridge', async () => {
		writeFileSync(
			join(dir, 'sr.xml'),
			networkXml({name: 'p-sr', forward: {mode: 'hostdev', managed: true, pf: 'lan0'}}),
		);
		const sr = await run(['virsh', '-c', daemon.uri, `net-define ${join(dir, 'sr.xml')}; net-start p-sr`]).catch(
			(e: Error) => e.message,
		);
		expect(String(sr)).toMatch(/No usable Vf's present on SRIOV PF lan0/);
		writeFileSync(
			join(dir, 'vl.xml'),
			networkXml({
				name: 'p-vl',
				forward: {mode: 'bridge'},
				bridge: {name: 'br0'},
				vlan: {tags: [{id: 100}], trunk: false},
			}),
		);
		const vl = await run(['virsh', '-c', daemon.uri, `net-define ${join(dir, 'vl.xml')}`]).catch(
			(e: Error) => e.message,
		);
		expect(String(vl)).toMatch(
			/<vlan> element specified for network p-vl, whose type doesn't support vlan configuration/,
		);
	});

	// This machine has no IOMMU, so no VM here can start with a PCI device: what is tested is that the daemon takes
	// the plan's device into the VM's definition as a <hostdev>, that the step's own check finds it in libvirt's
	// dumpxml, that the inventory reads it back, that undo removes it, and libvirt's own refusal at start. The
	// address is one no device has (0000:7f:1f.7), so nothing on this machine is ever detached; the NIC it names
	// is added to the inventory model only (the kernel here has no spare PCI NIC to plan with).
	it('PCI passthrough: a whole NIC becomes a <hostdev> in the VM, found by the step check, undone by address', async () => {
		writeFileSync(
			join(dir, 'pci-vm.xml'),
			"<domain type='qemu'><name>pci-vm</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>",
		);
		await daemon.virsh(`define ${join(dir, 'pci-vm.xml')}`);
		const seen = await inventoryJson(['--connect', daemon.uri], {namespace: daemon.namespace, env: ovs.env});
		const spare = {
			...seen.nics.find((n) => n.name === 'lan1')!,
			name: 'enp127s31f7',
			kind: 'physical' as const,
			busAddress: '0000:7f:1f.7',
		};
		const withNic: HostModel = {
			...seen,
			nics: [...seen.nics, spare],
			capabilities: {...seen.capabilities, iommuGroups: 1},
		};
		const result = makePlan('pci-passthrough', {pci: '0000:7f:1f.7', vms: 'pci-vm'}, withNic, {
			uri: daemon.uri,
			directory: () => dir,
		});
		expect(result.errors).toEqual([]);
		const plan = result.plan!;
		expect(plan.interfaceXml).toMatch(/^<hostdev mode="subsystem" type="pci" managed="yes">/);
		expect(plan.interfaceXml).not.toContain('<interface');
		const [step] = plan.steps;
		expect(plan.steps).toHaveLength(1);
		for (const file of step!.writes ?? []) writeFileSync(file.path, file.content);
		await daemon.exec(step!.run);
		// The step's own check, as apply runs it, against libvirt's real output.
		const dumped = await daemon.exec(step!.verify!.run);
		expect(new RegExp(step!.verify!.pattern!, 'm').test(dumped.stdout)).toBe(true);
		const after = await inventoryJson(['--connect', daemon.uri], {namespace: daemon.namespace, env: ovs.env});
		expect(after.vms.find((vm) => vm.name === 'pci-vm')?.interfaces).toEqual([{type: 'pci', source: '0000:7f:1f.7'}]);
		const start = await daemon.virsh('start pci-vm').catch((e: Error) => e.message);
		expect(String(start)).toMatch(/host doesn't support passthrough of host PCI devices/);
		await daemon.exec(step!.undo!);
		const undone = await daemon.exec(step!.verify!.run);
		expect(new RegExp(step!.verify!.pattern!, 'm').test(undone.stdout)).toBe(false);
		expect(undone.stdout).not.toContain('<hostdev');
	});
});
