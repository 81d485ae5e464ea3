// The recommender over every answer combination (32), on a host that can do everything and on a Wi-Fi-only one:
// the mode it picks meets every answer, or the answers it does not meet are named with why; and the traits it
// reasons with are the comparison table's own facts.
import {beforeAll, describe, expect, it} from 'vitest';
import type {HostModel, Nic} from '../source/core/model.js';
import {questions, recommend, traits, type Answers} from '../source/plan/recommend.js';
import {loadDemoHost} from '../source/host/demo.js';
import {findMode, modes} from '../source/modes/catalog.js';

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
for (let bits = 0; bits < 32; bits++)
	all.push(Object.fromEntries(questions.map((q, i) => [q.key, Boolean(bits & (1 << i))])) as unknown as Answers);

/** The answers a mode does not meet, by its traits. */
function unmetBy(mode: keyof typeof traits, a: Answers): (keyof Answers)[] {
	const t = traits[mode];
	const out: (keyof Answers)[] = [];
	if (a.reachableFromLan !== t.fromLan) out.push('reachableFromLan');
	if (a.internet !== t.internet) out.push('internet');
	if (a.isolatedFromHost && !t.apartFromHost) out.push('isolatedFromHost');
	if (a.maxThroughput && !t.fast) out.push('maxThroughput');
	if (a.vlans && !t.vlans) out.push('vlans');
	return out;
}

describe('recommendation', () => {
	it("each mode's traits are what its comparison row says", () => {
		for (const mode of modes) {
			const t = traits[mode.id];
			const says = (text: string) => /^yes/.test(text);
			expect(says(mode.comparison.fromLan), `${mode.id} fromLan: ${mode.comparison.fromLan}`).toBe(t.fromLan);
			expect(says(mode.comparison.internet), `${mode.id} internet: ${mode.comparison.internet}`).toBe(t.internet);
			expect(/^(no|only)/.test(mode.comparison.vmHost), `${mode.id} vmHost: ${mode.comparison.vmHost}`).toBe(
				t.apartFromHost,
			);
		}
	});

	for (const [label, host] of [
		['a host that can do everything', () => demo],
		['a Wi-Fi-only host without IOMMU or OVS', () => wifiOnly],
	] as const) {
		it(`on ${label}: every combination gets a possible mode that meets every answer, or says which not and why`, () => {
			for (const answers of all) {
				const result = recommend(answers, host());
				const label = JSON.stringify(answers);
				expect(findMode(result.mode)!.unavailable(host()), label).toBeUndefined();
				expect(result.unmet.map((u) => u.answer).sort(), label).toEqual(unmetBy(result.mode, answers).sort());
				for (const u of result.unmet) expect(u.why.length, label).toBeGreaterThan(30);
				expect(result.runnerUp, label).toBeDefined();
				expect(result.runnerUp, label).not.toBe(result.mode);
				// When some mode this host can do meets every answer, the pick does too.
				const perfect = modes.filter((m) => !m.unavailable(host()) && unmetBy(m.id, answers).length === 0);
				if (perfect.length > 0)
					expect(result.unmet, `${label}: ${perfect.map((m) => m.id).join(', ')} would`).toEqual([]);
			}
		});
	}

	it('the cases a review found wrong: internet and kept from the host is not NAT; a sandbox is not the LAN', () => {
		const none: Answers = {
			reachableFromLan: false,
			internet: false,
			isolatedFromHost: false,
			maxThroughput: false,
			vlans: false,
		};
		const internetApart = recommend({...none, internet: true, isolatedFromHost: true}, demo);
		expect(internetApart.mode).toBe('macvtap-bridge');
		expect(internetApart.unmet.map((u) => u.answer)).toEqual(['reachableFromLan']);
		const sandbox = recommend({...none, isolatedFromHost: true}, demo);
		expect(sandbox.mode).toBe('isolated');
		expect(sandbox.unmet).toEqual([
			{
				answer: 'isolatedFromHost',
				why: expect.stringMatching(/its address on the network's bridge.*no mode keeps VMs/),
			},
		]);
		expect(recommend(none, demo)).toMatchObject({mode: 'isolated', unmet: []});
		expect(recommend({...none, internet: true}, demo)).toMatchObject({mode: 'nat', unmet: []});
		expect(recommend({...none, reachableFromLan: true, internet: true}, demo)).toMatchObject({
			mode: 'bridge',
			unmet: [],
		});
		expect(recommend({...none, maxThroughput: true, reachableFromLan: true, internet: true}, demo)).toMatchObject({
			mode: 'pci-passthrough',
			unmet: [],
		});
		expect(recommend({...none, vlans: true, reachableFromLan: true, internet: true}, demo).mode).toBe('vlan');
	});

	it('on a Wi-Fi-only host, says what it passed over', () => {
		const lan = recommend(
			{reachableFromLan: true, internet: true, isolatedFromHost: false, maxThroughput: false, vlans: false},
			wifiOnly,
		);
		expect(lan).toMatchObject({mode: 'route', unmet: []});
		expect(lan.passedOver).toEqual([
			'Bridge (VMs on the LAN): this host has only a Wi-Fi uplink, and Wi-Fi cannot be bridged',
			'macvtap bridge: this host has only a Wi-Fi uplink, and macvtap does not work on Wi-Fi',
			expect.stringMatching(/^macvtap private: /),
		]);
		const fast = recommend(
			{reachableFromLan: false, internet: true, isolatedFromHost: false, maxThroughput: true, vlans: false},
			wifiOnly,
		);
		expect(fast.unmet.map((u) => u.answer)).toContain('maxThroughput');
		expect(fast.passedOver.some((line) => /^SR-IOV VF pool: this host has no SR-IOV capable NIC/.test(line))).toBe(
			true,
		);
	});
});
