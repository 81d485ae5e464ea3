// Bridge: guests join the LAN through a host bridge that holds the uplink NIC.
import type {ModeDefinition} from './types.js';
import {attachFields, defaultWiredUplink, freeInterfaceName, isWired, networkInterface, uniqueName} from './shared.js';

export const bridge: ModeDefinition = {
	id: 'bridge',
	title: 'Bridge (VMs on the LAN)',
	what: 'VMs plug into the physical LAN through a host bridge and appear there as machines of their own.',
	useCase: 'Virtual servers that must be ordinary LAN hosts with their own addresses.',
	example: 'A small business running its mail, web and database servers as VMs, each with its own LAN address.',
	pros: [
		'Guests are first-class LAN hosts (DHCP from the LAN, reachable from anywhere)',
		'High performance, low latency',
		'Host and guests reach each other',
	],
	cons: [
		'Needs a host bridge holding the NIC: the host address moves to the bridge',
		'Guests are exposed to the LAN: firewall them like any server',
	],
	pitfalls: [
		'Does not work on Wi-Fi: an 802.11 station may only send from its own MAC. Use NAT or routed there.',
		"Creating the bridge moves the host's address from the NIC to the bridge: over SSH on that NIC, a mistake cuts you off.",
		'With net.bridge.bridge-nf-call-iptables=1, the host firewall filters bridged guest traffic (lost DHCP, dropped packets).',
		"The bridge should take the NIC's MAC, or the LAN DHCP server hands the host a new address.",
	],
	needs: 'A wired NIC (or bond/VLAN) to put in the bridge.',
	comparison: {
		internet: 'yes, directly via the LAN',
		vmHost: 'yes',
		vmLan: 'yes',
		fromLan: 'yes (own LAN address)',
		performance: 'high',
		suits: 'servers with LAN addresses (VPS, web)',
	},
	diagram: [
		'VM eth0 ─ vnetN (tap) ─┐',
		'                        br0 (host address moves here)',
		'     uplink NIC (port) ─┘ ─ LAN switch ─ router',
	],
	rules: {fields: ['name', 'bridge', 'uplink', ...attachFields], uplink: 'wired-optional', bridge: 'host'},
	unavailable: (host) => {
		const hasBridgeWithPort = host.bridges.some(
			(b) => b.type === 'linux' && b.ports.some((p) => host.nics.find((n) => n.name === p.name)?.kind === 'physical'),
		);
		if (hasBridgeWithPort || host.nics.some(isWired)) return undefined;
		return host.nics.some((n) => n.wireless)
			? 'this host has only a Wi-Fi uplink, and Wi-Fi cannot be bridged'
			: 'this host has no wired NIC to bridge';
	},
	defaults: (host, given = {}) => {
		// Reuse a bridge that already holds a physical NIC (the named uplink's, when one is named); otherwise plan a
		// new one over the default-route NIC (or the named one).
		// A bridge the user named that exists is used as it is: no uplink is added to it.
		const named = given.uplink;
		const existing =
			host.bridges.find((b) => b.name === given.bridge) ??
			host.bridges.find(
				(b) =>
					b.type === 'linux' &&
					b.ports.some((p) =>
						named ? p.name === named : host.nics.find((n) => n.name === p.name)?.kind === 'physical',
					),
			);
		const uplink = existing ? undefined : defaultWiredUplink(host);
		return {
			name: uniqueName(host, 'lan'),
			bridge: existing?.name ?? freeInterfaceName(host, 'br'),
			uplink: uplink?.name ?? '',
			autostart: 'yes',
			model: 'virtio',
		};
	},
	check: (p, host) => {
		const exists = host.bridges.some((b) => b.name === p.bridge);
		const existing = host.bridges.find((b) => b.name === p.bridge);
		if (existing && p.uplink && !existing.ports.some((port) => port.name === p.uplink!.name))
			return [
				{
					field: 'uplink',
					message: `uplink: ${p.bridge} already exists and its ports are ${existing.ports.map((port) => port.name).join(', ') || 'none'}, not ${p.uplink.name}; leave uplink empty to use ${p.bridge} as it is, or name a new bridge for ${p.uplink.name}`,
				},
			];
		if (!exists && !p.uplink)
			return [{field: 'uplink', message: `uplink: ${p.bridge} does not exist yet; name the wired NIC to put in it`}];
		// With no network manager, the DHCP client that got the lease (dhclient, dhcpcd) keeps running on the port:
		// copied to the bridge as a static address, the lease would be renewed on the port too (the same address on
		// both) and never on the bridge.
		const lease = p.uplink?.addresses.find((a) => a.family === 'ipv4' && a.dynamic && a.scope !== 'link');
		if (!exists && p.uplink && lease && host.capabilities.networkManager.kind === 'iproute2')
			return [
				{
					field: 'uplink',
					message: `uplink: ${p.uplink.name} has ${lease.address}/${lease.prefix} from DHCP and no network manager owns it, so its DHCP client would go on renewing that address on ${p.uplink.name} while the bridge held a static copy; configure ${p.bridge} in your distribution's network configuration (with DHCP on the bridge), or pick NAT or a macvtap mode, which leave ${p.uplink.name} as it is`,
				},
			];
		return [];
	},
	build: (p, host) => {
		const exists = host.bridges.some((b) => b.name === p.bridge);
		return {
			network: {name: p.name, forward: {mode: 'bridge'}, bridge: {name: p.bridge}},
			vmInterface: networkInterface(p),
			hostChanges: !exists && p.uplink ? [{kind: 'bridge', bridge: p.bridge, uplink: p.uplink}] : [],
			warnings: exists ? [`${p.bridge} already exists: the plan only adds the libvirt network on top of it.`] : [],
		};
	},
};
