// The doctor's address and uplink checks: libvirt subnets overlapping each other or the host's addresses,
// bridges and macvtap on Wi-Fi, and macvtap guests that cannot reach their host.
import type {HostModel, LibvirtNetwork, Vm} from '../model.js';
import {
	formatCidr4,
	formatCidr6,
	isLinkLocal6,
	networkOf,
	overlaps,
	overlaps6,
	parseCidr6,
	parseIpv4,
	type Cidr4,
	type Cidr6,
} from '../net.js';
import {list, plural, type Check, type CheckResult} from './types.js';

function subnetOverlapCheck(host: HostModel): CheckResult {
	const base = {id: 'subnets', group: 'addresses' as const, title: 'subnet overlaps'};
	const why =
		"Two places with the same subnet make the host route one of them wrong: a libvirt network on the LAN's own subnet (the host itself on 192.168.122.0/24, say) cuts the host or the guests off from that LAN.";
	interface Place {
		cidr: {v4: Cidr4} | {v6: Cidr6};
		what: string;
		/** The link the subnet lives on: a network's own bridge is not an overlap with itself. */
		dev?: string;
		network?: LibvirtNetwork;
	}
	const cidrOf = (family: 'ipv4' | 'ipv6', address: string, prefix: number): Place['cidr'] | undefined => {
		if (family === 'ipv6') {
			const v6 = parseCidr6(`${address}/${prefix}`);
			return v6 && !isLinkLocal6(v6) ? {v6} : undefined;
		}
		const value = parseIpv4(address);
		return value === undefined ? undefined : {v4: {network: networkOf(value, prefix), prefix}};
	};
	const text = (cidr: Place['cidr']) => ('v4' in cidr ? formatCidr4(cidr.v4) : formatCidr6(cidr.v6));
	const places: Place[] = [];
	for (const network of host.networks) {
		for (const ip of network.ips) {
			const cidr = cidrOf(ip.family, ip.address, ip.prefix);
			if (cidr)
				places.push({
					cidr,
					what: `network ${network.name} (${text(cidr)}${network.active ? '' : ', inactive'})`,
					...(network.bridge ? {dev: network.bridge} : {}),
					network,
				});
		}
	}
	const libvirtBridges = new Set(host.networks.map((n) => n.bridge).filter(Boolean));
	for (const nic of host.nics) {
		if (nic.kind === 'loopback' || libvirtBridges.has(nic.name)) continue;
		for (const address of nic.addresses) {
			const cidr = cidrOf(address.family, address.address, address.prefix);
			if (cidr) places.push({cidr, what: `${address.address}/${address.prefix} on ${nic.name}`, dev: nic.name});
		}
	}
	const overlapping = (a: Place['cidr'], b: Place['cidr']) =>
		'v4' in a && 'v4' in b ? overlaps(a.v4, b.v4) : 'v6' in a && 'v6' in b ? overlaps6(a.v6, b.v6) : false;
	const clashes: {a: Place; b: Place; active: boolean}[] = [];
	for (let i = 0; i < places.length; i++) {
		for (let j = i + 1; j < places.length; j++) {
			const a = places[i]!;
			const b = places[j]!;
			if (!a.network && !b.network) continue;
			if (a.network && a.network === b.network) continue;
			if (a.dev && a.dev === b.dev) continue;
			if (overlapping(a.cidr, b.cidr))
				clashes.push({a, b, active: (a.network?.active ?? true) && (b.network?.active ?? true)});
		}
	}
	if (clashes.length === 0)
		return {
			...base,
			status: 'pass',
			seen: `${plural(places.filter((p) => p.network).length, 'libvirt subnet')}, none overlapping another network or a host address`,
			why,
		};
	return {
		...base,
		status: clashes.some((c) => c.active) ? 'fail' : 'warn',
		seen: clashes.map((c) => `${c.a.what} overlaps ${c.b.what}`).join('; '),
		why,
		fix: {
			text: 'Give the libvirt network a free subnet: virsh net-edit NAME (change <ip address=… >), then net-destroy and net-start it; the wizard (n) proposes a free one.',
		},
	};
}

function wifiCheck(host: HostModel): CheckResult {
	const base = {id: 'wifi', group: 'addresses' as const, title: 'bridges and macvtap on Wi-Fi'};
	const why =
		'A Wi-Fi client link only accepts frames with its own MAC (802.11 without 4-address mode): a bridge or macvtap on it gives guests no traffic. Use NAT or routed on Wi-Fi.';
	const wireless = new Set(host.nics.filter((n) => n.wireless).map((n) => n.name));
	if (wireless.size === 0) return {...base, status: 'n/a', seen: 'no Wi-Fi interface', why};
	const found: string[] = [];
	for (const bridge of host.bridges)
		for (const port of bridge.ports)
			if (wireless.has(port.name)) found.push(`bridge ${bridge.name} has Wi-Fi port ${port.name}`);
	for (const network of host.networks) {
		const devs = [network.forwardDev, ...network.forwardInterfaces].filter((d): d is string => Boolean(d));
		if (network.mode.startsWith('macvtap') && devs.some((d) => wireless.has(d)))
			found.push(`network ${network.name} puts macvtap on ${list(devs.filter((d) => wireless.has(d)))}`);
	}
	for (const vm of host.vms)
		for (const nic of vm.interfaces)
			if (nic.type === 'direct' && nic.source && wireless.has(nic.source))
				found.push(`VM ${vm.name} has macvtap on ${nic.source}`);
	return {
		...base,
		status: found.length > 0 ? 'fail' : 'pass',
		seen: found.length > 0 ? found.join('; ') : `Wi-Fi ${list([...wireless])} is not bridged or under macvtap`,
		why,
		...(found.length > 0
			? {fix: {text: 'Move these guests to a NAT or routed network (wizard: n), or bridge a wired NIC instead.'}}
			: {}),
	};
}

function macvtapHostCheck(host: HostModel): CheckResult {
	const base = {id: 'macvtap-host', group: 'addresses' as const, title: 'macvtap guests and the host'};
	const why =
		'A macvtap guest and its host cannot talk to each other through the parent NIC (a frame to the host leaves by the wire instead of going up; drivers/net/macvlan.c), unless the switch port sends it back (hairpin): guests reach the LAN but not the host.';
	const direct = (vm: Vm) =>
		vm.interfaces.length > 0 &&
		vm.interfaces.every(
			(nic) =>
				nic.type === 'direct' ||
				(nic.type === 'network' && host.networks.find((n) => n.name === nic.source)?.mode.startsWith('macvtap')),
		);
	const users = host.vms.filter((vm) =>
		vm.interfaces.some(
			(nic) =>
				nic.type === 'direct' ||
				(nic.type === 'network' && host.networks.find((n) => n.name === nic.source)?.mode.startsWith('macvtap')),
		),
	);
	if (users.length === 0) return {...base, status: 'n/a', seen: 'no VM uses macvtap', why};
	const only = users.filter(direct);
	return {
		...base,
		status: only.length > 0 ? 'warn' : 'pass',
		seen:
			only.length > 0
				? `${list(only.map((vm) => vm.name))} ${only.length === 1 ? 'has' : 'have'} only macvtap interfaces: ${only.length === 1 ? 'it cannot' : 'they cannot'} reach this host`
				: `${list(users.map((vm) => vm.name))} also ${users.length === 1 ? 'has' : 'have'} a non-macvtap interface to reach the host`,
		why,
		...(only.length > 0
			? {
					fix: {
						text: "If they must reach the host: add a second interface on an isolated or NAT network, move the host's address to a bridge-mode macvlan on the same NIC, or use a bridge instead of macvtap.",
					},
				}
			: {}),
	};
}

/** This group's checks, in the order they run (and show, within a status). */
export const addressChecks: Check[] = [
	{id: 'subnets', group: 'addresses', run: subnetOverlapCheck},
	{id: 'wifi', group: 'addresses', run: wifiCheck},
	{id: 'macvtap-host', group: 'addresses', run: macvtapHostCheck},
];
