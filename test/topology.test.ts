import {beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import {buildTopology, topologyRows} from '../source/core/topology.js';
import {loadDemoHost} from '../source/host/demo.js';

let demo: HostModel;
let lines: string[];
beforeAll(async () => {
	demo = await loadDemoHost();
	lines = topologyRows(buildTopology(demo)).map((row) => row.prefix + row.node.label);
});

/** The lines under the root whose label starts with `root`, up to the next root. */
function subtree(root: string): string[] {
	const start = lines.findIndex((line) => line.startsWith(root));
	if (start < 0) throw new Error(`no root ${root} in:\n${lines.join('\n')}`);
	const end = lines.findIndex((line, i) => i > start && !/^[ │├└]/.test(line));
	return lines.slice(start, end < 0 ? undefined : end);
}

describe('topology of the demo host', () => {
	it('follows a physical NIC through its bridge and tap to the VM', () => {
		expect(subtree('NIC eth2')).toEqual([
			'NIC eth2 (physical, up, 1000 Mb/s)',
			'└─ bridge br0 — libvirt network host-bridge',
			'   └─ vnet1 (tap, unknown)',
			'      └─ VM web01 52:54:00:01:00:02 virtio',
		]);
	});

	it('puts macvtaps, VLAN sub-interfaces and macvtap networks under their parent NIC', () => {
		const eth1 = subtree('NIC eth1 ');
		expect(eth1).toContain('├─ NIC eth1.100 (vlan, up)');
		expect(eth1).toContain('│  └─ bridge br100 — libvirt network vlan-bridge');
		expect(eth1).toContain('│  └─ VM lab01 52:54:00:03:00:03 virtio');
		expect(eth1.filter((l) => /network macvtap-(bridge|private|vepa)/.test(l))).toHaveLength(3);
		expect(subtree('NIC enp3s0f0 ')).toContain('   └─ VM db01 (shut off) 52:54:00:02:00:02');
	});

	it('shows NAT and isolated networks with their own bridge, and VMs that are not running', () => {
		expect(subtree('network default')).toEqual([
			'network default (NAT, active)',
			'└─ bridge virbr0 — libvirt network default',
			'   └─ vnet0 (tap, unknown)',
			'      └─ VM web01 52:54:00:01:00:01 virtio',
		]);
		expect(subtree('network routed')).toContain('└─ VM db01 (shut off) 52:54:00:02:00:01 virtio');
		expect(subtree('network ovs')).toContain('   ├─ vnet3 (tap, unknown)');
	});

	it('collects interfaces attached to nothing on this host, saying what they are', () => {
		const loose = subtree('VM interfaces attached to nothing');
		expect(loose).toContain('├─ VM db01 (shut off) 52:54:00:02:00:03 — SR-IOV VF 0000:03:10.2 VLAN 42');
		expect(loose.some((l) => l.includes('user-mode (SLIRP) networking'))).toBe(true);
		expect(loose.some((l) => l.includes('unmanaged tap tap-lab01'))).toBe(true);
	});

	it('draws every VM interface exactly once', () => {
		const interfaces = demo.vms.reduce((sum, vm) => sum + vm.interfaces.length, 0);
		const vmRows = topologyRows(buildTopology(demo)).filter((row) => row.node.kind === 'vm');
		expect(vmRows).toHaveLength(interfaces);
	});

	it('marks a bridge with no uplink as such', () => {
		const model: HostModel = {
			...demo,
			networks: [],
			vms: [],
			bridges: [{name: 'lonely', type: 'linux', ports: [], addresses: []}],
			nics: [],
		};
		expect(topologyRows(buildTopology(model)).map((r) => r.node.label)).toEqual(['bridge lonely (no uplink)']);
	});
});
