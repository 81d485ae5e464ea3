// VLAN: guests on tagged 802.1Q segments of the LAN. Three ways to get there: an Open vSwitch bridge with VLAN
// portgroups, a host VLAN sub-interface (eth1.100) in its own bridge, or libvirt's <vlan> on a Linux bridge.
import type {ModeDefinition} from './types.js';
import {versionNumber} from '../core/fields.js';
import {
	attachFields,
	defaultWiredUplink,
	freeInterfaceName,
	isWired,
	networkInterface,
	uniqueName,
	vlanPortgroups,
} from './shared.js';

export const vlan: ModeDefinition = {
	id: 'vlan',
	title: 'VLAN (tagged segments)',
	what: 'Guests join 802.1Q VLANs of the LAN, so several isolated segments share one physical link.',
	useCase: 'Separating departments or customers on shared virtualisation hosts.',
	example: 'A managed service provider giving each customer its own VLAN.',
	pros: ['Isolation enforced by the LAN switches', 'One cable carries many segments'],
	cons: ['The switch port must be a trunk carrying those VLANs', 'More moving parts than a plain bridge'],
	pitfalls: [
		'The switch port must carry the VLAN tagged, or nothing gets through.',
		'<vlan> on a Linux-bridge libvirt network needs libvirt 11.0 or newer (older libvirt refuses it); use Open vSwitch or a host sub-interface there.',
		'The host needs 802.1Q support (the 8021q module) for sub-interfaces.',
	],
	needs: 'A trunk port on the switch; Open vSwitch, the 8021q module, or libvirt 11+.',
	comparison: {
		internet: "yes, through the VLAN's router",
		vmHost: 'only if the host has an address in the VLAN',
		vmLan: 'yes, within the VLAN',
		fromLan: 'yes, within the VLAN',
		performance: 'high',
		suits: 'multi-tenant, segmented networks',
	},
	diagram: [
		'VM ─ vnetN ─ br100 ─ eth1.100 (tags 100) ─┐',
		'                                          eth1 (trunk) ─ switch trunk port',
		'or: VM ─ vnetN (tag 100) ─ OVS bridge ─ eth1 ─┘',
	],
	rules: {
		fields: ['name', 'vlan-method', 'uplink', 'vlan', 'bridge', ...attachFields],
		uplink: 'wired-optional',
		bridge: 'host',
	},
	unavailable: (host) =>
		host.nics.some(isWired) || host.capabilities.ovs === 'running'
			? undefined
			: 'this host has no wired NIC and no Open vSwitch to carry tagged traffic',
	defaults: (host) => {
		const method =
			host.capabilities.ovs === 'running'
				? 'ovs'
				: versionNumber(host.header.libvirt.version) >= 11_000
					? 'libvirt'
					: 'subinterface';
		const ovsBridge = host.bridges.find((b) => b.type === 'ovs')?.name;
		return {
			name: uniqueName(host, 'vlan100'),
			'vlan-method': method,
			uplink: method === 'ovs' && ovsBridge ? '' : (defaultWiredUplink(host, true)?.name ?? ''),
			vlan: '100',
			bridge:
				method === 'ovs'
					? (ovsBridge ?? freeInterfaceName(host, 'ovsbr'))
					: host.nics.some((n) => n.name === 'br100')
						? freeInterfaceName(host, 'brvlan')
						: 'br100',
			autostart: 'yes',
			model: 'virtio',
		};
	},
	check: (p, host) => {
		const existing = host.nics.find((n) => n.name === p.bridge);
		if (p.vlanMethod === 'subinterface') {
			if (!p.uplink)
				return [{field: 'uplink', message: 'uplink: a VLAN sub-interface needs the NIC that carries the trunk'}];
			const sub = `${p.uplink.name}.${p.vlanIds[0]}`;
			const there = host.nics.find((n) => n.name === sub);
			if (there)
				return [
					{
						field: 'vlan',
						message: `vlan: ${sub} already exists${there.master ? ` (a port of ${there.master})` : ''}; use that bridge with the bridge mode, or pick another VLAN`,
					},
				];
			if (existing)
				return [
					{
						field: 'bridge',
						message: `bridge: ${p.bridge} already exists; the sub-interface method creates its own bridge`,
					},
				];
		}
		if (p.vlanMethod === 'ovs' && existing && !host.bridges.some((b) => b.name === p.bridge && b.type === 'ovs')) {
			return [{field: 'bridge', message: `bridge: ${p.bridge} exists and is not an Open vSwitch bridge`}];
		}
		const ovsBridge = host.bridges.find((b) => b.name === p.bridge && b.type === 'ovs');
		if (
			p.vlanMethod === 'ovs' &&
			ovsBridge &&
			p.uplink &&
			!ovsBridge.ports.some((port) => port.name === p.uplink!.name)
		)
			return [
				{
					field: 'uplink',
					message: `uplink: ${p.bridge} already exists and ${p.uplink.name} is not one of its ports (${ovsBridge.ports.map((port) => port.name).join(', ') || 'none'}); leave uplink empty to use ${p.bridge} as it is`,
				},
			];
		if (p.vlanMethod === 'libvirt' && !existing && !p.uplink)
			return [
				{field: 'uplink', message: `uplink: ${p.bridge} does not exist yet; name the NIC that carries the trunk`},
			];
		return [];
	},
	build: (p, host) => {
		const exists = host.nics.some((n) => n.name === p.bridge);
		const [first] = p.vlanIds;
		if (p.vlanMethod === 'ovs') {
			const portgroups = vlanPortgroups(p.vlanIds);
			return {
				network: {
					name: p.name,
					forward: {mode: 'bridge'},
					bridge: {name: p.bridge},
					virtualport: 'openvswitch',
					portgroups,
				},
				vmInterface: networkInterface(p, `vlan-${first}`),
				hostChanges: exists ? [] : [{kind: 'ovs-bridge', bridge: p.bridge, ...(p.uplink ? {uplink: p.uplink} : {})}],
				warnings: [
					`Guests get VLAN ${first} untagged by default; pick another portgroup per VM${p.vlanIds.length > 1 ? ' (or "trunk" for all of them tagged)' : ''}.`,
				],
			};
		}
		if (p.vlanMethod === 'subinterface') {
			return {
				network: {name: p.name, forward: {mode: 'bridge'}, bridge: {name: p.bridge}},
				vmInterface: networkInterface(p),
				hostChanges: [{kind: 'vlan-bridge', parent: p.uplink!, id: first!, bridge: p.bridge}],
				warnings: [`The switch port of ${p.uplink!.name} must carry VLAN ${first} tagged.`],
			};
		}
		return {
			network: {
				name: p.name,
				forward: {mode: 'bridge'},
				bridge: {name: p.bridge},
				vlan: {tags: p.vlanIds.map((id) => ({id})), trunk: p.vlanIds.length > 1},
			},
			vmInterface: networkInterface(p),
			// libvirt (11+) only tags the guests' taps; the bridge must filter VLANs and its uplink carry them tagged,
			// or the tagged frames never leave the host (bridge(8): `bridge vlan add … vid N`).
			hostChanges: [
				...(exists ? [] : [{kind: 'bridge' as const, bridge: p.bridge, uplink: p.uplink!}]),
				...(p.uplink ? [{kind: 'bridge-vlans' as const, bridge: p.bridge, uplink: p.uplink, ids: p.vlanIds}] : []),
			],
			warnings: [
				p.uplink
					? `libvirt tags the guests' ports on ${p.bridge}; the plan turns VLAN filtering on and lets ${p.uplink.name} carry VLAN ${p.vlanIds.join(', ')} tagged. Its switch port must be a trunk for them.`
					: `libvirt tags the guests' ports on ${p.bridge}; the bridge needs VLAN filtering (vlan_filtering 1) and its uplink port the VLANs (bridge vlan add dev UPLINK vid N): name the uplink and the plan does both.`,
				...(host.capabilities.networkManager.kind === 'iproute2'
					? []
					: [
							`VLAN filtering and the uplink's VLANs are set with ip and bridge, which ${host.capabilities.networkManager.kind} does not keep across a reboot: add them to its configuration too.`,
						]),
			],
		};
	},
};
