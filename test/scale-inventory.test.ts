// A host with 1,000 links: the inventory lists every one with its master, from a fixed number of processes.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import {inventoryJson} from './harness/cli.js';
import {isRoot, Namespace} from './harness/netns.js';

// 1,000 links: 20 bridges with 20 taps each (420), 270 veth pairs left down (540), 40 macvlans on the veths.
export function largeHostCommands(): string[] {
	const lines: string[] = [];
	for (let b = 0; b < 20; b++) {
		lines.push(`link add sbr${b} type bridge`, `link set sbr${b} up`);
		for (let t = 0; t < 20; t++)
			lines.push(`tuntap add dev st${b}x${t} mode tap`, `link set st${b}x${t} master sbr${b}`);
	}
	for (let v = 0; v < 270; v++) lines.push(`link add sva${v} type veth peer name svb${v}`);
	for (let m = 0; m < 40; m++) lines.push(`link add link sva${m} name smv${m} type macvlan mode bridge`);
	return lines;
}

describe.skipIf(!isRoot)('inventory of a namespace with 1,000 links', () => {
	let ns: Namespace;
	let model: HostModel;

	beforeAll(async () => {
		ns = await Namespace.create('scale');
		await ns.ipBatch(largeHostCommands());
		model = await inventoryJson(['--connect', 'test:///default'], {namespace: ns.name});
	});

	afterAll(async () => {
		await ns?.destroy();
	});

	it('lists all 1,001 links (with lo) and every tap with its bridge', () => {
		expect(model.nics).toHaveLength(1 + 1000);
		expect(model.nics.filter((n) => n.kind === 'veth' && n.state === 'down')).toHaveLength(540);
		const taps = model.nics.filter((n) => n.kind === 'tap');
		expect(taps).toHaveLength(400);
		for (const tap of taps) expect(tap.master).toBe(`sbr${/^st(\d+)x/.exec(tap.name)![1]}`);
		expect(model.bridges.filter((b) => b.type === 'linux').every((b) => b.ports.length === 20)).toBe(true);
		expect(model.nics.filter((n) => n.kind === 'macvlan').every((n) => n.parent?.startsWith('sva'))).toBe(true);
	});

	it('runs the same handful of processes as for a small host, not one per link', () => {
		// ovs-vsctl runs only where its database socket exists (not on this test's host namespace).
		expect(
			model.scan.commands
				.map((argv) => argv[0])
				.filter((tool) => tool !== 'ovs-vsctl')
				.sort(),
		).toEqual(['ip', 'virsh']);
	});
});
