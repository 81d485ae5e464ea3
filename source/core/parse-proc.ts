// Parsers for the kernel's own tables under /proc that the doctor reads: sockets on the DNS/DHCP ports
// (/proc/net/{udp,tcp}{,6}) and the IPv6 routes made from router advertisements (/proc/net/ipv6_route).
import type {Listener} from './doctor/index.js';

/** The ports whose wildcard listeners stop libvirt's dnsmasq: DNS, DHCP, DHCPv6. */
const watchedPorts = new Set([53, 67, 547]);

function decodeAddress(hex: string): string {
	if (hex.length === 8) {
		// IPv4 in /proc/net is the 32-bit value in host (little-endian) byte order.
		const bytes = hex
			.match(/../g)!
			.map((b) => parseInt(b, 16))
			.reverse();
		return bytes.join('.');
	}
	if (/^0+$/.test(hex)) return '::';
	// IPv6: four 32-bit words, each little-endian.
	const words = hex.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
	const groups = words
		.join('')
		.match(/.{4}/g)!
		.map((g) => parseInt(g, 16).toString(16));
	return groups.join(':');
}

/** Sockets on the watched ports from /proc/net/{udp,tcp}{,6}: listening TCP, bound UDP. */
export function parseProcNet(text: string, protocol: 'udp' | 'tcp'): (Listener & {inode: string})[] {
	const found: (Listener & {inode: string})[] = [];
	for (const line of text.split('\n').slice(1)) {
		const fields = line.trim().split(/\s+/);
		if (fields.length < 10) continue;
		const [address, portHex] = fields[1]!.split(':');
		const port = parseInt(portHex ?? '', 16);
		// TCP: 0A is LISTEN. UDP: 07 is a bound socket not connected anywhere.
		if (!watchedPorts.has(port) || fields[3] !== (protocol === 'tcp' ? '0A' : '07')) continue;
		found.push({protocol, address: decodeAddress(address!), port, inode: fields[9]!});
	}
	return found;
}

/** RTF_ADDRCONF: the kernel made this route from a router advertisement. */
const routeFromRa = 0x40000;

/** Interfaces with routes from router advertisements, from /proc/net/ipv6_route (flags are the 9th field, hex). */
export function parseIpv6RouteTable(text: string): string[] {
	const names = new Set<string>();
	for (const line of text.split('\n')) {
		const fields = line.trim().split(/\s+/);
		if (fields.length < 10) continue;
		const flags = parseInt(fields[8]!, 16);
		if (!Number.isNaN(flags) && (flags & routeFromRa) !== 0) names.add(fields[9]!);
	}
	return [...names].sort();
}
