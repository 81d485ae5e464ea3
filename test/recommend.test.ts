import {beforeAll, describe, expect, it} from 'vitest';
import type {HostModel, Nic} from '../source/core/model.js';
import {questions, recommend, type Answers} from '../source/plan/recommend.js';
import {loadDemoHost} from '../source/host/demo.js';
import {findMode} from '../source/modes/catalog.js';

let demo: HostModel;
let wifiOnly: HostModel;
beforeAll(async () => {
	demo = await loadDemoHost();
	const wifi: Nic = {...demo.nics.find((n) => n.name === 'wlan0')!};
	wifiOnly = {
		...demo,
		nics: [demo.nics.find((n) => n.kind === 'loopback')!, wifi],
		bridges: [],
		capabilities: {...demo.capabilities, iommuGroups: 0, ovs: 'missing'},
	};
});

const all: Answers[] = [];
for (let bits = 0; bits < 32; bits++) {
	const answers = Object.fromEntries(questions.map((q, i) => [q.key, Boolean(bits & (1 << i))])) as unknown as Answers;
	all.push(answers);
}

// What each combination should get on a host that can do everything (the demo host).
function expected(a: Answers): string {
	if (a.vlans) return 'vlan';
	if (a.maxThroughput) return 'sriov';
	if (a.reachableFromLan) return a.isolatedFromHost ? 'macvtap-bridge' : 'bridge';
	if (a.internet) return 'nat';
	return a.isolatedFromHost ? 'macvtap-private' : 'isolated';
}

describe('recommendation', () => {
	it.each(all.map((a) => [JSON.stringify(a), a] as const))('%s', (_label, answers) => {
		const result = recommend(answers, demo);
		expect(result.mode).toBe(expected(answers));
		expect(result.reason.length).toBeGreaterThan(20);
		expect(result.runnerUp).toBeDefined();
		expect(result.runnerUp).not.toBe(result.mode);
		expect(result.passedOver).toEqual([]);
	});

	it('on a Wi-Fi-only host without IOMMU or OVS, recommends only what works there and says what it passed over', () => {
		for (const answers of all) {
			const result = recommend(answers, wifiOnly);
			expect(findMode(result.mode)!.unavailable(wifiOnly)).toBeUndefined();
			if (result.runnerUp) expect(findMode(result.runnerUp)!.unavailable(wifiOnly)).toBeUndefined();
		}
		const lan = recommend(
			{reachableFromLan: true, internet: true, isolatedFromHost: false, maxThroughput: false, vlans: false},
			wifiOnly,
		);
		expect(lan.mode).toBe('route');
		expect(lan.passedOver).toEqual([
			'Bridge (VMs on the LAN): this host has only a Wi-Fi uplink, and Wi-Fi cannot be bridged',
			'macvtap bridge: this host has only a Wi-Fi uplink, and macvtap does not work on Wi-Fi',
		]);
		const fast = recommend(
			{reachableFromLan: false, internet: true, isolatedFromHost: false, maxThroughput: true, vlans: false},
			wifiOnly,
		);
		expect(fast.mode).toBe('nat');
		expect(fast.passedOver[0]).toMatch(/^SR-IOV VF pool: this host has no SR-IOV capable NIC/);
	});
});
