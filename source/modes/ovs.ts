// Open vSwitch: a programmable switch instead of a Linux bridge, with per-port VLAN tags, trunks and tunnels.
import type {ModeDefinition} from './types.js';
import {attachFields, freeInterfaceName, networkInterface, uniqueName, vlanPortgroups} from './shared.js';

export const ovs: ModeDefinition = {
	id: 'ovs',
	title: 'Open vSwitch',
	what: 'Guests plug into an Open vSwitch bridge: a software switch with VLAN tags and trunks per port, tunnels (VXLAN, GRE) and OpenFlow rules.',
	useCase: 'Software-defined networking in a private cloud.',
	example: 'A virtualised data centre with complex, changing network policy between hundreds of VMs.',
	pros: [
		'VLANs, trunks and tunnels per port',
		'Central control (OpenFlow, OVN)',
		'Same commands on every distribution',
	],
	cons: ['One more daemon to run and understand', 'Its own tools (ovs-vsctl, ovs-ofctl)'],
	pitfalls: [
		'ovs-vswitchd must be running before libvirt starts guests on the bridge.',
		'Adding a NIC that carries an address (or your SSH session) to an OVS bridge cuts that address: move it to the bridge first.',
		'`ovs-vsctl add-br` can exit 0 and still fail (e.g. no kernel datapath): check that the bridge exists.',
	],
	needs: 'openvswitch-switch installed and running.',
	comparison: {
		internet: 'yes, with an uplink port',
		vmHost: 'yes (internal port)',
		vmLan: 'yes, with an uplink port',
		fromLan: 'yes, with an uplink port',
		performance: 'high (DPDK: higher)',
		suits: 'SDN, many VLANs, tunnels',
	},
	diagram: [
		'VM ─ vnetN (port, tag/trunk) ─ OVS bridge ─ uplink port ─ LAN',
		'                               └ flows, VXLAN/GRE tunnels',
	],
	rules: {
		fields: ['name', 'bridge', 'uplink', 'vlan', ...attachFields],
		uplink: 'wired-optional',
		bridge: 'ovs',
		optional: ['vlan'],
	},
	unavailable: (host) =>
		host.capabilities.ovs === 'missing'
			? 'Open vSwitch is not installed (apt-get install openvswitch-switch)'
			: host.capabilities.ovs === 'stopped'
				? 'Open vSwitch is installed but not running (systemctl start openvswitch-switch)'
				: undefined,
	defaults: (host) => ({
		name: uniqueName(host, 'ovs-net'),
		bridge: host.bridges.find((b) => b.type === 'ovs')?.name ?? freeInterfaceName(host, 'ovsbr'),
		uplink: '',
		vlan: '',
		autostart: 'yes',
		model: 'virtio',
	}),
	check: (p) =>
		p.uplink && p.uplink.addresses.some((a) => a.scope !== 'link')
			? [
					{
						field: 'uplink',
						message: `uplink: ${p.uplink.name} has addresses; as an OVS port it would lose them (choose a NIC without addresses, or use bridge mode)`,
					},
				]
			: [],
	build: (p, host) => {
		const exists = host.bridges.some((b) => b.name === p.bridge && b.type === 'ovs');
		const portgroups = vlanPortgroups(p.vlanIds);
		return {
			network: {
				name: p.name,
				forward: {mode: 'bridge'},
				bridge: {name: p.bridge},
				virtualport: 'openvswitch',
				...(portgroups.length > 0 ? {portgroups} : {}),
			},
			vmInterface: networkInterface(p, portgroups[0]?.name),
			hostChanges: exists ? [] : [{kind: 'ovs-bridge', bridge: p.bridge, ...(p.uplink ? {uplink: p.uplink} : {})}],
			warnings: [],
		};
	},
};
