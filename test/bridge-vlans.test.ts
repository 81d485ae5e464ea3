// libvirt's <vlan> on a Linux bridge (libvirt 11+) tags only the guests' taps: the plan must also turn VLAN
// filtering on and let the uplink carry the VLANs. The plan's own commands run here with the real iproute2 in a
// namespace. This machine's kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING): there the test
// checks that iproute2 took the argv and the kernel itself refused it ("Operation not supported"), so the commands
// are right but their effect is not seen; on a kernel with it, each step's own check must pass and undo must clear it.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import {loadDemoHost} from '../source/host/demo.js';
import {makePlan} from '../source/plan/planner.js';
import {isRoot, Namespace} from './harness/netns.js';

describe.skipIf(!isRoot)("a Linux bridge for libvirt's <vlan>", () => {
	let ns: Namespace;
	let demo: HostModel;
	beforeAll(async () => {
		demo = await loadDemoHost();
		ns = await Namespace.create('brvlan');
	});
	afterAll(async () => ns?.destroy());

	it('filters VLANs and lets the uplink carry them tagged, with undo; refused by this kernel in its own words', async () => {
		const host: HostModel = {
			...demo,
			header: {...demo.header, libvirt: {...demo.header.libvirt, version: '11.0.0'}},
			capabilities: {
				...demo.capabilities,
				ovs: 'missing',
				networkManager: {kind: 'iproute2', reason: 'test', connections: {}},
			},
		};
		const result = makePlan('vlan', {'vlan-method': 'libvirt', uplink: 'eth3', vlan: '100,200', bridge: 'brv'}, host, {
			uri: 'qemu:///system',
			directory: () => '/tmp/p',
		});
		expect(result.errors).toEqual([]);
		const steps = result.plan!.steps.filter((s) => s.run[0] === 'ip' || s.run[0] === 'bridge');
		expect(steps.map((s) => s.run.join(' '))).toEqual([
			'ip link add name brv type bridge stp_state 0',
			'ip link set dev brv address 52:54:00:aa:00:06',
			'ip link set dev brv up',
			'ip link set dev eth3 master brv',
			'ip link set dev brv type bridge vlan_filtering 1',
			'bridge vlan add dev eth3 vid 100',
			'bridge vlan add dev eth3 vid 200',
		]);
		// The same steps on a namespace's own bridge and a veth standing for eth3.
		await ns.ip('link', 'add', 'eth3', 'type', 'veth', 'peer', 'name', 'eth3p');
		const outcomes: string[] = [];
		for (const step of steps) {
			const ran = await ns.exec(step.run).then(
				() => 'ok',
				(error: Error) => error.message,
			);
			outcomes.push(ran);
			if (ran !== 'ok') break;
			if (step.verify) {
				const seen = await ns.exec(step.verify.run);
				expect(new RegExp(step.verify.pattern!).test(seen.stdout), step.verify.proves).toBe(true);
			}
		}
		const supported = outcomes.every((o) => o === 'ok');
		if (!supported) {
			// iproute2 parsed the command (no "Garbage" or usage error): the kernel refused the setting.
			expect(outcomes.at(-1)).toMatch(/Operation not supported/);
			expect(outcomes.at(-1)).not.toMatch(/Garbage|Usage|unknown/i);
			expect(steps[outcomes.length - 1]!.run).toContain('vlan_filtering');
			return;
		}
		for (const step of [...steps].reverse()) if (step.undo) await ns.exec(step.undo);
		expect((await ns.ip('link', 'show')).stdout).not.toContain('brv');
	});
});
