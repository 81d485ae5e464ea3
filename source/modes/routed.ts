// Routed: a subnet of the guests' own, routed by the host without NAT.
import type {ModeDefinition} from './types.js';
import {
	attachFields,
	defaultRouteNic,
	managedDefaults,
	managedFields,
	managedNetwork,
	networkInterface,
} from './shared.js';
import {formatCidr4, formatIpv4} from '../core/net.js';

export const routed: ModeDefinition = {
	id: 'route',
	title: 'Routed',
	what: 'VMs get a subnet of their own; the host routes between it and the LAN, without NAT.',
	useCase: 'A separate subnet for a group of VMs, reachable by its real addresses under controlled routing.',
	example:
		'Test servers on a subnet of their own that LAN machines reach by their real addresses (the router holds one route).',
	pros: ['Guests keep their real addresses end to end', 'No NAT', 'Works on Wi-Fi uplinks, unlike bridging'],
	cons: ['The LAN must know the way back to the subnet', 'More routing to understand than NAT'],
	pitfalls: [
		'The LAN router (or every LAN host) needs a return route: SUBNET via HOST-ADDRESS. Without it, replies never come back and "the internet does not work".',
		'IP forwarding must be on; libvirt adds forwarding rules, not NAT.',
		// libvirt's route-mode rules accept all traffic from the subnet out and to the subnet in (formatnetwork,
		// forward mode "route"; the iptables/nftables rules of bridge_driver's firewall code).
		'Routed is not a fence: libvirt lets all traffic into and out of the subnet, so guests reach the LAN directly. Filter in your own firewall, or choose NAT or isolated.',
	],
	needs: 'A return route on the LAN router.',
	comparison: {
		internet: 'yes, if the LAN routes back',
		vmHost: 'yes',
		vmLan: 'yes, with a return route',
		fromLan: 'yes, with a return route',
		performance: 'medium-high',
		suits: 'lab subnets, hosting with routed blocks',
	},
	diagram: [
		'VM eth0 ─ vnetN (tap) ─ virbrN (gateway)',
		'             │ host routes (no NAT)',
		'           uplink NIC ─ LAN router (needs: SUBNET via HOST)',
	],
	rules: {fields: [...managedFields, 'uplink', ...attachFields], uplink: 'optional', bridge: 'new'},
	unavailable: () => undefined,
	defaults: (host) => managedDefaults(host, 'lab-routed'),
	build: (p, host) => {
		const hostAddress = (p.uplink ?? defaultRouteNic(host))?.addresses.find((a) => a.family === 'ipv4')?.address;
		return {
			network: managedNetwork(p, {mode: 'route', ...(p.uplink ? {dev: p.uplink.name} : {})}),
			vmInterface: networkInterface(p),
			hostChanges: [],
			warnings: [
				`Add a return route on the LAN router: ${p.subnet ? formatCidr4(p.subnet) : 'the subnet'} via ${hostAddress ?? 'this host'}${p.gateway !== undefined ? ` (guests use ${formatIpv4(p.gateway)} as their gateway)` : ''}.`,
			],
		};
	},
};
