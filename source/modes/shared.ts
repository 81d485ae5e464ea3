// Helpers the mode files share: unique names, free bridges and subnets, the usual defaults and the VM interface.
import {canBeUplink, type FieldId, type Params, type ValidParams} from '../core/fields.js';
import type {HostModel, Nic} from '../core/model.js';
import {broadcastOf, formatCidr4, formatIpv4, freeSubnet} from '../core/net.js';
import type {InterfaceSpec, NetworkSpec, PortgroupSpec} from '../core/xml-build.js';

/** Fields every mode that attaches VMs ends with. */
export const attachFields: FieldId[] = ['autostart', 'vms', 'model', 'mac'];

/** `base`, or `base-2`, `base-3`… whichever no libvirt network uses yet. */
export function uniqueName(host: HostModel, base: string): string {
	const taken = new Set(host.networks.map((n) => n.name));
	if (!taken.has(base)) return base;
	for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** The first `prefixN` (virbr0, br0…) that is neither a host interface nor a libvirt network's bridge. */
export function freeInterfaceName(host: HostModel, prefix: string): string {
	const taken = new Set([
		...host.nics.map((n) => n.name),
		...host.networks.flatMap((n) => (n.bridge ? [n.bridge] : [])),
	]);
	for (let i = 0; ; i++) if (!taken.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

export const isWired = (nic: Nic) => canBeUplink(nic, 'wired');

/** The NIC the default route leaves by. */
export function defaultRouteNic(host: HostModel): Nic | undefined {
	const dev = host.routes.find((r) => r.destination === 'default')?.dev;
	return host.nics.find((n) => n.name === dev);
}

/** The wired NIC a LAN-facing mode should default to: the default-route NIC if wired, else the first wired one up. */
export function defaultWiredUplink(host: HostModel, avoidSsh = false): Nic | undefined {
	const ssh = host.header.ssh?.interface;
	const candidates = host.nics.filter((n) => isWired(n) && !(avoidSsh && n.name === ssh));
	const route = defaultRouteNic(host);
	const physical = candidates.filter((n) => n.kind !== 'veth');
	return (
		candidates.find((n) => n === route) ??
		physical.find((n) => n.state === 'up') ??
		physical[0] ??
		candidates.find((n) => n.state === 'up') ??
		candidates[0]
	);
}

/** Defaults for a network whose bridge and subnet libvirt manages (NAT, routed, isolated, open). */
export function managedDefaults(host: HostModel, base: string): Params {
	const subnet = freeSubnet(host);
	const params: Params = {
		name: uniqueName(host, base),
		bridge: freeInterfaceName(host, 'virbr'),
		autostart: 'yes',
		model: 'virtio',
	};
	if (subnet) {
		params.subnet = formatCidr4(subnet);
		params.gateway = formatIpv4(subnet.network + 1);
		params['dhcp-start'] = formatIpv4(subnet.network + 2);
		params['dhcp-end'] = formatIpv4(broadcastOf(subnet) - 1);
	}
	return params;
}

export const managedFields: FieldId[] = [
	'name',
	'bridge',
	'subnet',
	'gateway',
	'dhcp-start',
	'dhcp-end',
	'ipv6',
	'domain',
];

/** The network XML spec of a libvirt-managed bridge network with the given forward mode (none: isolated). */
export function managedNetwork(p: ValidParams, forward?: NetworkSpec['forward']): NetworkSpec {
	const spec: NetworkSpec = {name: p.name, bridge: {name: p.bridge, stp: true}, ips: []};
	if (forward) spec.forward = forward;
	if (p.domain) spec.domain = p.domain;
	if (p.subnet && p.gateway !== undefined) {
		spec.ips!.push({
			family: 'ipv4',
			address: formatIpv4(p.gateway),
			prefix: p.subnet.prefix,
			...(p.dhcp ? {dhcp: {start: formatIpv4(p.dhcp.start), end: formatIpv4(p.dhcp.end)}} : {}),
		});
	}
	if (p.ipv6) spec.ips!.push({family: 'ipv6', address: p.ipv6.address, prefix: p.ipv6.prefix});
	return spec;
}

/** The VM <interface> that joins network `p.name`. */
export function networkInterface(p: ValidParams, portgroup?: string): InterfaceSpec {
	return {
		type: 'network',
		network: p.name,
		model: p.model,
		...(portgroup ? {portgroup} : {}),
		...(p.mac ? {mac: p.mac} : {}),
	};
}

/** One portgroup per VLAN id (the first the default, untagged for guests), plus "trunk" with all of them tagged. */
export function vlanPortgroups(vlanIds: number[]): PortgroupSpec[] {
	const portgroups: PortgroupSpec[] = vlanIds.map((id, i) => ({
		name: `vlan-${id}`,
		isDefault: i === 0,
		vlan: {tags: [{id}], trunk: false},
	}));
	if (vlanIds.length > 1) portgroups.push({name: 'trunk', vlan: {tags: vlanIds.map((id) => ({id})), trunk: true}});
	return portgroups;
}
