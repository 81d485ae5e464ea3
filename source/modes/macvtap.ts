// macvtap (libvirt "direct"): guests attach straight to a host NIC through macvtap devices, with no bridge.
// One entry per macvtap mode; they differ in who may talk to whom.
import type {Comparison, ModeDefinition, ModeId} from './types.js';
import {attachFields, defaultWiredUplink, isWired, networkInterface, uniqueName} from './shared.js';

type MacvtapMode = 'bridge' | 'private' | 'vepa' | 'passthrough';

// What a macvtap guest can reach follows the kernel's macvlan modes (drivers/net/macvlan.c): a frame from a macvtap
// to its parent's own address is never handed up to the host; it leaves by the wire (bridge, private, vepa) and
// comes back only if the switch port reflects it (hairpin, 802.1Qbg reflective relay).
const common = {
	needs: 'A wired NIC that accepts several MAC addresses (most do).',
	pitfalls: [
		'The host cannot talk to its own guests through this NIC: their frames to it leave by the wire instead of going up into the host. Fixes: a macvlan on the host in bridge mode on the same NIC, holding the host address; a second NIC; or VEPA with a switch that hairpins.',
		'Guests take their addresses from the LAN (its DHCP server), like any machine plugged into it.',
		// formatdomain, "Direct attachment to physical interface": vepa is the default mode.
		"Hand-written XML without mode= gets vepa, libvirt's default: guests on one NIC then reach each other only through a hairpinning switch. kvmnet always writes the mode.",
		'Does not work on Wi-Fi.',
		'Some NICs and switches limit the number of MAC addresses per port.',
	],
};

const variants: Record<
	MacvtapMode,
	{
		title: string;
		what: string;
		useCase: string;
		example: string;
		pros: string[];
		cons: string[];
		comparison: Comparison;
		extraPitfall?: string;
		diagram: string[];
	}
> = {
	bridge: {
		title: 'macvtap bridge',
		what: 'Guests attach straight to a host NIC; guests on the same NIC reach each other inside the host.',
		useCase: 'LAN access for VMs without building a host bridge or touching the host address.',
		example: 'A video streaming server VM that needs the full bandwidth of a 10 GbE port.',
		pros: ['No host bridge, host address untouched', 'High performance', 'Quick to set up, safe over SSH'],
		cons: ['Host and guests cannot talk over this NIC'],
		comparison: {
			internet: 'yes, via the LAN',
			vmHost: 'no (same NIC)',
			vmLan: 'yes',
			fromLan: 'yes',
			performance: 'high',
			suits: 'LAN access without a bridge',
		},
		diagram: [
			'VM eth0 ─ macvtapN ─┐ (guests switched to each other in the host)',
			'            uplink NIC ─ LAN',
			'   host ✕ guests (not through this NIC)',
		],
	},
	private: {
		title: 'macvtap private',
		what: 'Like macvtap bridge, but guests on the same NIC cannot reach each other, not even through the external switch.',
		useCase: 'Tenants on one NIC that must not see each other.',
		example: 'Customer VMs of a hosting provider sharing one uplink.',
		pros: ['Guest-to-guest isolation without firewall rules'],
		cons: ['No guest-to-guest traffic at all on this NIC', 'Host and guests cannot talk over this NIC'],
		comparison: {
			internet: 'yes, via the LAN',
			vmHost: 'no',
			vmLan: 'yes (not to guests on the same NIC)',
			fromLan: 'yes',
			performance: 'high',
			suits: 'multi-tenant isolation',
		},
		diagram: ['VM A ─ macvtapA ─┐  A ✕ B', 'VM B ─ macvtapB ─┤', '         uplink NIC ─ LAN'],
	},
	vepa: {
		title: 'macvtap VEPA',
		what: 'All guest traffic, even between guests on the same NIC, goes out to the external switch, which must send it back (hairpin / reflective relay).',
		useCase: 'Sites that enforce policy and monitoring on the physical switch.',
		example: 'A data centre where the top-of-rack switch applies ACLs to every VM flow.',
		pros: ['Every flow is visible to and filtered by the physical switch'],
		cons: [
			'Needs a switch with 802.1Qbg reflective relay (hairpin) for guest-to-guest traffic',
			'Host and guests talk over this NIC only if the switch hairpins',
		],
		comparison: {
			internet: 'yes, via the LAN',
			vmHost: 'only with a hairpin switch',
			vmLan: 'yes',
			fromLan: 'yes',
			performance: 'high (guest-to-guest via switch)',
			suits: 'switch-enforced policy',
		},
		diagram: ['VM A ─ macvtapA ─┐', 'VM B ─ macvtapB ─┤─ uplink NIC ─ switch (hairpin: sends A↔B back)'],
		extraPitfall:
			'Without hairpin mode on the switch port, guests on the same NIC cannot reach each other, nor the host; with it, they can.',
	},
	passthrough: {
		title: 'macvtap passthrough',
		what: 'One guest takes the whole NIC through a single macvtap and may change its MAC and go promiscuous; the host loses the NIC.',
		useCase: 'One VM that must own a NIC (e.g. a firewall) on a host without IOMMU for PCI passthrough.',
		example: 'A virtual router owning the second port of the host.',
		pros: ['Guest controls MAC and promiscuous mode', 'No IOMMU needed'],
		cons: ['One VM per NIC', 'The host cannot use the NIC any more'],
		comparison: {
			internet: 'yes, via the NIC',
			vmHost: 'no',
			vmLan: 'yes',
			fromLan: 'yes',
			performance: 'high',
			suits: 'one VM owning a NIC',
		},
		diagram: ["VM eth0 ─ macvtap (passthrough) ─ uplink NIC (the VM's alone) ─ LAN"],
		extraPitfall: 'Only one VM can use the network at a time; a second VM fails to start.',
	},
};

function macvtap(mode: MacvtapMode): ModeDefinition {
	const v = variants[mode];
	return {
		id: `macvtap-${mode}` as ModeId,
		title: v.title,
		what: v.what,
		useCase: v.useCase,
		example: v.example,
		pros: v.pros,
		cons: v.cons,
		pitfalls: v.extraPitfall ? [...common.pitfalls, v.extraPitfall] : common.pitfalls,
		needs: common.needs,
		comparison: v.comparison,
		diagram: v.diagram,
		rules: {
			fields: ['name', 'uplink', ...attachFields],
			uplink: 'wired',
			bridge: 'none',
			...(mode === 'passthrough'
				? {sshUplinkRefused: 'passthrough gives the whole NIC to one VM and the host loses it'}
				: {}),
		},
		unavailable: (host) =>
			host.nics.some(isWired)
				? undefined
				: host.nics.some((n) => n.wireless)
					? 'this host has only a Wi-Fi uplink, and macvtap does not work on Wi-Fi'
					: 'this host has no wired NIC',
		defaults: (host) => ({
			name: uniqueName(host, `macvtap-${mode}`),
			uplink: defaultWiredUplink(host, mode === 'passthrough')?.name ?? '',
			autostart: 'yes',
			model: 'virtio',
		}),
		build: (p) => ({
			network: {name: p.name, forward: {mode, interfaces: [p.uplink!.name]}},
			vmInterface: networkInterface(p),
			hostChanges: [],
			warnings: [
				`The host cannot reach these guests through ${p.uplink!.name}${mode === 'vepa' ? ' unless the switch port hairpins' : ''}: for host↔VM traffic give them a second NIC on an isolated network, or put the host's address on a bridge-mode macvlan of ${p.uplink!.name}.`,
			],
		}),
	};
}

export const macvtapModes: ModeDefinition[] = (['bridge', 'private', 'vepa', 'passthrough'] as const).map(macvtap);
