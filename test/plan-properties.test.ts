// Property-based: over many valid parameter sets, the generated network XML parses back to the same parameters
// (and libvirt's schema accepts it); over sets with one bad field, the plan is refused naming that field.
import fc from 'fast-check';
import {beforeAll, describe, expect, it} from 'vitest';
import type {FieldId, Params} from '../source/core/fields.js';
import type {HostModel} from '../source/core/model.js';
import {formatIpv4, parseIpv4} from '../source/core/net.js';
import {parseNetworkXml} from '../source/core/parse-libvirt.js';
import {makePlan} from '../source/plan/planner.js';
import {loadDemoHost} from '../source/host/demo.js';
import {validateNetworkXml} from './harness/libvirt-check.js';

let demo: HostModel;
beforeAll(async () => {
	demo = await loadDemoHost();
});

const plan = (mode: string, params: Params) =>
	makePlan(mode, params, demo, {uri: 'test:///default', directory: () => '/tmp/kvmnet-prop'});
const base172 = parseIpv4('172.16.0.0')!;

// A subnet inside 172.16.0.0/12 (unused on the demo host) with a gateway and an optional DHCP range after it.
const managedParams = fc
	.record({
		mode: fc.constantFrom('nat', 'route', 'isolated', 'open'),
		name: fc
			.stringMatching(/^[a-z][a-z0-9_.-]{0,20}$/)
			.filter((n) => !['default', 'isolated', 'routed', 'open', 'ovs'].includes(n)),
		bridge: fc.stringMatching(/^kv[a-z0-9]{1,10}$/),
		prefix: fc.integer({min: 16, max: 29}),
		index: fc.nat(),
		gatewayOffset: fc.nat(),
		dhcp: fc.option(fc.tuple(fc.nat(), fc.nat()), {nil: undefined}),
		ipv6: fc.option(fc.tuple(fc.integer({min: 0x100, max: 0xffff}), fc.integer({min: 48, max: 64})), {nil: undefined}),
		domain: fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,8}){0,2}$/), {nil: undefined}),
	})
	.map((r) => {
		const size = 2 ** (32 - r.prefix);
		const network = base172 + (r.index % 2 ** (r.prefix - 12)) * size;
		const gateway = network + 1 + (r.gatewayOffset % (size - 2));
		const params: Params = {
			name: r.name,
			bridge: r.bridge,
			subnet: `${formatIpv4(network)}/${r.prefix}`,
			gateway: formatIpv4(gateway),
			'dhcp-start': '',
			'dhcp-end': '',
		};
		const room = network + size - 2 - gateway;
		if (r.dhcp && room >= 1) {
			const [a, b] = [gateway + 1 + (r.dhcp[0] % room), gateway + 1 + (r.dhcp[1] % room)].sort((x, y) => x - y);
			params['dhcp-start'] = formatIpv4(a!);
			params['dhcp-end'] = formatIpv4(b!);
		}
		if (r.ipv6) params.ipv6 = `fd00:${r.ipv6[0].toString(16)}::1/${r.ipv6[1]}`;
		if (r.domain) params.domain = r.domain;
		return {mode: r.mode, params};
	});

describe('generated XML round-trips', () => {
	it('NAT, routed, isolated and open networks parse back to their parameters', () => {
		fc.assert(
			fc.property(managedParams, ({mode, params}) => {
				const result = plan(mode, params);
				expect(result.errors).toEqual([]);
				const parsed = parseNetworkXml(result.plan!.networkXml!);
				expect(parsed).toMatchObject({name: params.name, mode, bridge: params.bridge});
				const [v4, v6] = parsed.ips;
				expect(v4).toMatchObject({
					family: 'ipv4',
					address: params.gateway,
					prefix: Number(params.subnet!.split('/')[1]),
				});
				expect(v4!.dhcpRanges).toEqual(
					params['dhcp-start'] ? [{start: params['dhcp-start'], end: params['dhcp-end']}] : [],
				);
				if (params.ipv6)
					expect(v6).toMatchObject({
						family: 'ipv6',
						address: params.ipv6.split('/')[0],
						prefix: Number(params.ipv6.split('/')[1]),
					});
				else expect(v6).toBeUndefined();
				expect(parsed.domain).toBe(params.domain);
			}),
			{numRuns: 300},
		);
	});

	it('libvirt schema accepts a sample of them', async () => {
		for (const {mode, params} of fc.sample(managedParams, {numRuns: 25, seed: 42})) {
			const result = plan(mode, params);
			expect(await validateNetworkXml(result.plan!.networkXml!)).toBe('');
		}
	});

	it('Open vSwitch VLAN lists parse back as portgroups (and a trunk group for several)', () => {
		fc.assert(
			fc.property(
				fc.uniqueArray(fc.integer({min: 1, max: 4094}), {minLength: 1, maxLength: 6}),
				fc.constantFrom('ovs', 'vlan'),
				(ids, mode) => {
					const params: Params =
						mode === 'ovs' ? {vlan: ids.join(',')} : {vlan: ids.join(','), 'vlan-method': 'ovs', bridge: 'ovsbr0'};
					const result = plan(mode, params);
					expect(result.errors).toEqual([]);
					const parsed = parseNetworkXml(result.plan!.networkXml!);
					expect(parsed.mode).toBe('ovs');
					const single = parsed.portgroups.filter((p) => !p.vlan?.trunk);
					expect(single.map((p) => p.vlan!.tags[0]!.id)).toEqual(ids);
					expect(single[0]!.isDefault).toBe(true);
					const trunk = parsed.portgroups.find((p) => p.vlan?.trunk);
					if (ids.length > 1) expect(trunk!.vlan!.tags.map((t) => t.id)).toEqual(ids);
					else expect(trunk).toBeUndefined();
				},
			),
			{numRuns: 200},
		);
	});
});

// For each field, values that break one of its rules.
const badValues: Partial<Record<FieldId, fc.Arbitrary<string>>> = {
	name: fc.oneof(
		fc.stringMatching(/^[a-z]{1,5}[ /:][a-z]{1,5}$/),
		fc.constant(''),
		fc.stringMatching(/^-[a-z]{1,8}$/),
		fc.string({minLength: 51, maxLength: 60}).map((s) => `a${s.replace(/[^a-z]/g, 'x')}`),
	),
	bridge: fc.oneof(fc.stringMatching(/^[a-z]{16,24}$/), fc.stringMatching(/^[a-z]{1,5}[ /:][a-z]{1,5}$/)),
	subnet: fc.oneof(
		fc.integer({min: 31, max: 32}).map((p) => `172.20.0.0/${p}`),
		fc.stringMatching(/^[a-z]{1,10}$/),
		fc.integer({min: 1, max: 255}).map((h) => `172.20.0.${h}/24`),
	),
	gateway: fc.oneof(
		fc.integer({min: 0, max: 255}).map((h) => `172.99.0.${h}`),
		fc.stringMatching(/^[a-z.]{1,10}$/),
	),
	mac: fc.oneof(
		fc.stringMatching(/^[0-9a-f]{2}(:[0-9a-f]{2}){0,4}$/),
		fc.integer({min: 0, max: 127}).map((b) => `${(b * 2 + 1).toString(16).padStart(2, '0')}:00:00:00:00:01`),
	),
	model: fc
		.stringMatching(/^[a-z]{3,8}$/)
		.filter((m) => !['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3'].includes(m)),
	ipv6: fc.oneof(
		fc.stringMatching(/^fd00::[g-z]{1,3}\/64$/),
		fc.integer({min: 127, max: 200}).map((p) => `fd00::1/${p}`),
	),
	autostart: fc.stringMatching(/^[a-z]{1,6}$/).filter((v) => v !== 'yes' && v !== 'no'),
};

describe('one bad field', () => {
	it('is refused, with no plan, by a message that names that field', () => {
		const fields = Object.keys(badValues) as FieldId[];
		const mutation = fc.constantFrom(...fields).chain((field) => badValues[field]!.map((value) => ({field, value})));
		fc.assert(
			fc.property(managedParams, mutation, ({mode, params}, {field, value}) => {
				const gatewayFits = field !== 'subnet';
				const result = plan(mode, {
					...params,
					[field]: value,
					...(gatewayFits ? {} : {'dhcp-start': '', 'dhcp-end': ''}),
				});
				expect(result.plan).toBeUndefined();
				expect(result.errors.some((e) => e.field === field && e.message.startsWith(`${field}: `))).toBe(true);
			}),
			{numRuns: 400},
		);
	});
});
