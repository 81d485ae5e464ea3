// Isolated (host-only): guests and the host share a private subnet; nothing is forwarded.
import type {ModeDefinition} from './types.js';
import {attachFields, managedDefaults, managedFields, managedNetwork, networkInterface} from './shared.js';

export const isolated: ModeDefinition = {
	id: 'isolated',
	title: 'Isolated (host-only)',
	what: 'VMs talk to each other and to the host on a private subnet; nothing leaves it.',
	useCase: 'Test environments fully cut off from outside networks.',
	example:
		'A mock corporate network for training IT staff without any risk to the real one; a database tier only its app VMs reach.',
	pros: ['No route out: guests reach nothing beyond the host', 'Host can still reach guests (SSH, file copies)'],
	cons: ['No internet for updates unless the host proxies'],
	pitfalls: [
		'Guests that expect the internet (package updates, NTP) fail quietly.',
		'The host can reach guests, so it is not isolated from the host.',
		"Guests reach the host's own services on the bridge address (SSH, and anything listening on all addresses): not a sandbox for malware without a firewall on the host.",
	],
	needs: 'Nothing beyond libvirt and dnsmasq.',
	comparison: {
		internet: 'no',
		vmHost: 'yes',
		vmLan: 'no',
		fromLan: 'no',
		performance: 'medium',
		suits: 'isolated labs, internal tiers, training',
	},
	diagram: ['VM eth0 ─ vnetN (tap) ─ virbrN (host address, DHCP)', '             ✕ no forwarding to any host NIC'],
	rules: {fields: [...managedFields, ...attachFields], uplink: 'none', bridge: 'new'},
	unavailable: () => undefined,
	defaults: (host) => managedDefaults(host, 'lab-isolated'),
	build: (p) => ({network: managedNetwork(p), vmInterface: networkInterface(p), hostChanges: [], warnings: []}),
};
