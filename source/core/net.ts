// IPv4/IPv6 address arithmetic for planning: parsing, CIDR membership and overlap, and picking a free subnet.
import type {HostModel, Route} from './model.js';

export interface Cidr4 {
	/** Network address as an unsigned 32-bit integer. */
	network: number;
	prefix: number;
}

export function parseIpv4(text: string): number | undefined {
	const parts = text.split('.');
	if (parts.length !== 4) return undefined;
	let value = 0;
	for (const part of parts) {
		if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part.startsWith('0'))) return undefined;
		const n = Number(part);
		if (n > 255) return undefined;
		value = value * 256 + n;
	}
	return value;
}

/** A dotted netmask's prefix length (255.255.255.0: 24); undefined when it is no netmask (bits not contiguous). */
export function prefixFromNetmask(netmask: string): number | undefined {
	const value = parseIpv4(netmask);
	if (value === undefined) return undefined;
	const bits = value.toString(2).padStart(32, '0');
	if (!/^1*0*$/.test(bits)) return undefined;
	return bits.includes('0') ? bits.indexOf('0') : 32;
}

export function formatIpv4(value: number): string {
	return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** `a.b.c.d/p` as written, with the host bits kept (the caller decides whether they must be zero). */
export function parseCidr4(text: string): {address: number; prefix: number} | undefined {
	const match = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
	if (!match) return undefined;
	const address = parseIpv4(match[1]!);
	const prefix = Number(match[2]);
	if (address === undefined || prefix > 32) return undefined;
	return {address, prefix};
}

export function networkOf(address: number, prefix: number): number {
	return (address & maskOf(prefix)) >>> 0;
}

export function broadcastOf(cidr: Cidr4): number {
	return (cidr.network | (~maskOf(cidr.prefix) >>> 0)) >>> 0;
}

export function contains(cidr: Cidr4, address: number): boolean {
	return networkOf(address, cidr.prefix) === cidr.network;
}

export function overlaps(a: Cidr4, b: Cidr4): boolean {
	const prefix = Math.min(a.prefix, b.prefix);
	return networkOf(a.network, prefix) === networkOf(b.network, prefix);
}

export function formatCidr4(cidr: Cidr4): string {
	return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/** Expand an IPv6 address to 8 groups; undefined when it is not one (zone ids and embedded IPv4 are refused). */
export function parseIpv6(text: string): number[] | undefined {
	if (!/^[\da-fA-F:]+$/.test(text) || text.split('::').length > 2) return undefined;
	const [head = '', rest] = text.split('::');
	const parse = (part: string) => (part === '' ? [] : part.split(':'));
	const headGroups = parse(head);
	const restGroups = rest === undefined ? [] : parse(rest);
	if ([...headGroups, ...restGroups].some((g) => !/^[\da-fA-F]{1,4}$/.test(g))) return undefined;
	const known = headGroups.length + restGroups.length;
	if (rest === undefined ? known !== 8 : known > 7) return undefined;
	const zeros = rest === undefined ? [] : new Array<number>(8 - known).fill(0);
	return [...headGroups, ...zeros.map(String), ...restGroups].map((g) => Number.parseInt(g, 16));
}

/** The compressed text form of 8 groups (RFC 5952: the longest run of zero groups becomes ::). */
export function formatIpv6(groups: number[]): string {
	let bestStart = -1;
	let bestLength = 1;
	for (let i = 0; i < 8;) {
		if (groups[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
		i = j;
	}
	const hex = groups.map((g) => g.toString(16));
	if (bestStart < 0) return hex.join(':');
	return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function ipv6InPrefix(address: number[], network: number[], prefix: number): boolean {
	for (let bit = 0; bit < prefix; bit++) {
		const group = Math.floor(bit / 16);
		const mask = 1 << (15 - (bit % 16));
		if ((address[group]! & mask) !== (network[group]! & mask)) return false;
	}
	return true;
}

/**
 * Every subnet the host uses, either family, as written: its routes (not the default), its addresses (not
 * loopback) and every libvirt network's addresses. `what` names it, given its normalized form.
 */
function subnetsInUse(host: HostModel): {text: string; what: (normalized: string) => string}[] {
	const found: {text: string; what: (normalized: string) => string}[] = [];
	for (const route of host.routes) {
		if (route.destination !== 'default')
			found.push({
				text: route.destination,
				what: () => `the route to ${route.destination}${route.dev ? ` on ${route.dev}` : ''}`,
			});
	}
	for (const nic of host.nics) {
		if (nic.kind === 'loopback') continue;
		for (const address of nic.addresses)
			found.push({
				text: `${address.address}/${address.prefix}`,
				what: () => `${address.address}/${address.prefix} on ${nic.name}`,
			});
	}
	for (const network of host.networks) {
		for (const ip of network.ips)
			found.push({
				text: `${ip.address}/${ip.prefix}`,
				what: (normalized) => `libvirt network ${network.name} (${normalized})`,
			});
	}
	return found;
}

/** Every IPv4 subnet in use on the host (see subnetsInUse). */
export function usedSubnets(host: HostModel): {cidr: Cidr4; what: string}[] {
	return subnetsInUse(host).flatMap(({text, what}) => {
		const parsed = parseCidr4(text.includes('/') ? text : `${text}/32`);
		if (!parsed) return [];
		const cidr = {network: networkOf(parsed.address, parsed.prefix), prefix: parsed.prefix};
		return [{cidr, what: what(formatCidr4(cidr))}];
	});
}

export interface Cidr6 {
	/** The address as 8 groups of 16 bits; bits past the prefix may be set (overlap only reads the prefix). */
	network: number[];
	prefix: number;
}

/** `addr/prefix` or a bare address (a /128); undefined when it is not IPv6. */
export function parseCidr6(text: string): Cidr6 | undefined {
	const [address = '', prefixText, extra] = text.trim().split('/');
	if (extra !== undefined || (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText))) return undefined;
	const groups = parseIpv6(address);
	const prefix = prefixText === undefined ? 128 : Number(prefixText);
	return groups && prefix <= 128 ? {network: groups, prefix} : undefined;
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
	return ipv6InPrefix(a.network, b.network, Math.min(a.prefix, b.prefix));
}

export function formatCidr6(cidr: Cidr6): string {
	const network = cidr.network.map((group, i) => {
		const bits = Math.min(16, Math.max(0, cidr.prefix - i * 16));
		return bits === 0 ? 0 : group & ((0xffff << (16 - bits)) & 0xffff);
	});
	return `${formatIpv6(network)}/${cidr.prefix}`;
}

/** fe80::/10: on every IPv6 link by design, so never a clash. */
export function isLinkLocal6(cidr: Cidr6): boolean {
	return cidr.prefix >= 10 && ipv6InPrefix(cidr.network, [0xfe80, 0, 0, 0, 0, 0, 0, 0], 10);
}

/** Every IPv6 subnet in use on the host (see subnetsInUse), link-local ones left out. */
export function usedSubnets6(host: HostModel): {cidr: Cidr6; what: string}[] {
	return subnetsInUse(host).flatMap(({text, what}) => {
		const cidr = parseCidr6(text);
		return cidr && !isLinkLocal6(cidr) ? [{cidr, what: what(formatCidr6(cidr))}] : [];
	});
}

/**
 * The default gateway to ping while a change waits for confirmation: the IPv4 one, else a global IPv6 one. A
 * link-local IPv6 gateway (fe80::1, as router advertisements give) needs its interface to be pinged, and that
 * interface is what the change moves, so it is not offered.
 */
export function pingableGateway(routes: Route[]): string | undefined {
	const gateways = routes.filter((r) => r.destination === 'default' && r.gateway).map((r) => r.gateway!);
	const global6 = (gateway: string) => {
		const groups = parseIpv6(gateway);
		return groups !== undefined && !isLinkLocal6({network: groups, prefix: 128});
	};
	return gateways.find((g) => parseIpv4(g) !== undefined) ?? gateways.find(global6);
}

/** The first /24 among the usual private ranges that nothing on the host uses. */
export function freeSubnet(host: HostModel, extraUsed: Cidr4[] = []): Cidr4 | undefined {
	const used = [...usedSubnets(host).map((u) => u.cidr), ...extraUsed];
	const candidates: Cidr4[] = [];
	for (let c = 100; c < 255; c++) candidates.push({network: parseIpv4(`192.168.${c}.0`)!, prefix: 24});
	for (let b = 10; b < 255; b++) candidates.push({network: parseIpv4(`10.${b}.0.0`)!, prefix: 24});
	return candidates.find((candidate) => !used.some((u) => overlaps(u, candidate)));
}
