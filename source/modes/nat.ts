// NAT: libvirt's default. Guests get private addresses; the host masquerades their traffic out.
import type {ModeDefinition} from './types.js';
import {attachFields, managedDefaults, managedFields, managedNetwork, networkInterface} from './shared.js';

export const nat: ModeDefinition = {
	id: 'nat',
	title: 'NAT',
	what: 'VMs sit on a private subnet behind the host, which translates their traffic to its own address (masquerading).',
	useCase: 'VMs that need the internet but need not be reached from outside.',
	example: 'A developer running several VMs to test different software setups on a laptop.',
	pros: [
		'Works on any host, including Wi-Fi and laptops',
		'Nothing to change on the LAN or the host NIC',
		'Guests are hidden from the LAN',
	],
	cons: ['Not reachable from the LAN without port forwarding', 'Double NAT and firewall rules to reason about'],
	pitfalls: [
		'The subnet must not overlap the LAN or another libvirt network (192.168.122.0/24 clashes on some home routers).',
		'Docker or firewalld rules can block the forwarded traffic; libvirt adds its own rules when the network starts.',
		'IP forwarding (net.ipv4.ip_forward) must stay on.',
	],
	needs: 'Nothing beyond libvirt and dnsmasq.',
	comparison: {
		internet: 'yes, through the host',
		vmHost: 'yes',
		vmLan: 'out only (masqueraded)',
		fromLan: 'no (port forwarding only)',
		performance: 'medium',
		suits: 'desktops, dev VMs, laptops, Wi-Fi hosts',
	},
	diagram: [
		'VM eth0 ─ vnetN (tap) ─ virbrN (gateway, DHCP, DNS)',
		'             │ host routes + masquerade (NAT)',
		'           uplink NIC ─ LAN ─ internet',
	],
	rules: {fields: [...managedFields, 'uplink', ...attachFields], uplink: 'optional', bridge: 'new'},
	unavailable: () => undefined,
	defaults: (host) => managedDefaults(host, 'lab-nat'),
	build: (p) => ({
		network: managedNetwork(p, {mode: 'nat', ...(p.uplink ? {dev: p.uplink.name} : {})}),
		vmInterface: networkInterface(p),
		hostChanges: [],
		warnings: [],
	}),
};
