// Open: like routed, but libvirt adds no firewall rules at all; the admin's own firewall decides.
import type {ModeDefinition} from './types.js';
import {attachFields, managedDefaults, managedFields, managedNetwork, networkInterface} from './shared.js';

export const open: ModeDefinition = {
	id: 'open',
	title: 'Open (no libvirt firewall)',
	what: 'A routed subnet for which libvirt adds no firewall rules: forwarding follows the host firewall you write.',
	useCase: 'Hosts whose firewall (nftables, firewalld zones) is managed by policy, where libvirt rules would conflict.',
	example: 'A hypervisor in a data centre whose nftables ruleset comes from configuration management.',
	pros: ['No surprise rules from libvirt', 'Full control over forwarding'],
	cons: ['You must write the forwarding (and any NAT) rules yourself', 'Needs a return route like routed mode'],
	// libvirt turns forwarding on for every network with a <forward> (bridge_driver.c, networkStartNetworkVirtual:
	// "If forward.type != NONE, turn on global IP forwarding"), open included, and adds no rule of its own; it
	// puts no firewalld zone on an open network's bridge either (libvirt issue 215).
	pitfalls: [
		'libvirt turns IP forwarding on, as for routed, and adds no rules: with the FORWARD policy at ACCEPT (the kernel default) guests reach, and are reached by, everything routed to them; with a DROP policy (Docker, ufw, firewalld) nothing passes until your rules allow it.',
		'No rules also means no INPUT opening for DHCP (67) and DNS (53), and no firewalld zone for the bridge: on a host whose firewall drops input, guests get no lease until you allow those ports.',
		'Needs libvirt 2.2 or newer.',
	],
	needs: 'Your own firewall rules; libvirt 2.2+.',
	comparison: {
		internet: 'as your firewall allows',
		vmHost: 'yes',
		vmLan: 'as your firewall allows',
		fromLan: 'as your firewall allows',
		performance: 'medium-high',
		suits: 'policy-managed firewalls',
	},
	diagram: [
		'VM eth0 ─ vnetN (tap) ─ virbrN (gateway)',
		'             │ host routes; YOUR firewall rules only',
		'           uplink NIC ─ LAN',
	],
	rules: {fields: [...managedFields, ...attachFields], uplink: 'none', bridge: 'new'},
	unavailable: () => undefined,
	defaults: (host) => managedDefaults(host, 'lab-open'),
	build: (p) => ({
		network: managedNetwork(p, {mode: 'open'}),
		vmInterface: networkInterface(p),
		hostChanges: [],
		warnings: [
			'libvirt adds no firewall rules for an open network: allow forwarding for this subnet in your own firewall.',
		],
	}),
};
