// Taking a NIC's own addressing out of /etc/network/interfaces when it becomes a bridge port. Left as it was, its
// `iface eth0 inet static` stanza gives the port the host's address again at the next boot (ifup -a), beside the
// bridge's. The stanza stays (the port must still come up: `auto eth0` is kept) with method manual and without
// its address options; its dns-* options move to the bridge, where resolvconf then reads them. interfaces(5): a
// stanza runs from its `iface` line to the next iface, mapping, auto, allow-, source or source-directory line.

const stanzaStart = /^\s*(iface|mapping|auto|allow-\S+|source|source-directory|rename)\b/;
/** Options that give the interface its address and routes (interfaces(5), "The inet and inet6 address family"). */
const addressOptions = new Set([
	'address',
	'netmask',
	'broadcast',
	'network',
	'gateway',
	'metric',
	'pointopoint',
	'scope',
	'hostname',
	'leasehours',
	'leasetime',
	'vendor',
	'client',
	'dhcp',
	'autoconf',
	'accept_ra',
	'privext',
	'preferred-lifetime',
	'request_prefix',
	'll-attempts',
	'll-interval',
]);

export interface IfupdownEdit {
	/** The file with `name`'s stanzas turned to method manual without address options; unchanged when none. */
	text: string;
	/** The dns-* option lines of those stanzas, trimmed, for the bridge's stanza. */
	dns: string[];
}

export function withoutOwnAddress(text: string, name: string): IfupdownEdit {
	const lines = text.split('\n');
	const out: string[] = [];
	const dns: string[] = [];
	let inStanza = false;
	for (const line of lines) {
		const iface = /^(\s*iface\s+)(\S+)(\s+)(inet6?)(\s+)(\S+)(.*)$/.exec(line);
		if (iface) {
			inStanza = iface[2] === name;
			out.push(inStanza ? `${iface[1]}${iface[2]}${iface[3]}${iface[4]}${iface[5]}manual` : line);
			continue;
		}
		if (stanzaStart.test(line)) inStanza = false;
		if (inStanza) {
			const option = line.trim().split(/\s+/)[0] ?? '';
			if (option.startsWith('dns-')) {
				if (!dns.includes(line.trim())) dns.push(line.trim());
				continue;
			}
			if (addressOptions.has(option)) continue;
		}
		out.push(line);
	}
	return {text: out.join('\n'), dns};
}
