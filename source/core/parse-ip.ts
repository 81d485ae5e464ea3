// Parsers for iproute2's JSON output (`ip -j -d addr`, `ip -j route`, and `ip -batch` runs of them)
// plus the per-link sysfs facts that iproute2 does not report (speed, driver, wireless, SR-IOV).
import type {IpAddress, Nic, NicKind, Route} from './model.js';
import {ParseError, asArray, asRecord, optionalNumber, optionalString} from './parse-util.js';

/** Facts read from /sys/class/net/NAME for one link; every field is optional because sysfs varies by driver. */
export interface SysfsFacts {
	speedMbps?: number;
	driver?: string;
	/** /sys/class/net/NAME/device exists: backed by real (or emulated) hardware. */
	hasDevice?: boolean;
	wireless?: boolean;
	sriovTotalVfs?: number;
	sriovNumVfs?: number;
}

/**
 * Split output holding several JSON documents back to back (what `ip -j -batch` prints: one array per command).
 * Tracks strings and nesting instead of trusting line breaks.
 *
 * iproute2's JSON writer escapes only `"`, `\\`, `\b`, `\f`, `\n`, `\r` and `\t` in strings (json_writer.c,
 * jsonw_puts) and prints every other control character raw: a link named `x\e[2J` or an alias ending in `\x01`
 * makes the whole answer invalid JSON. Such characters inside strings are escaped (`\u001b`) before parsing, so
 * one odd link does not empty the NIC and route lists.
 */
export function splitJsonDocuments(text: string): unknown[] {
	// iproute2 prints each command's JSON on one line: try that first (7x faster on 1,000 links), and scan the
	// text character by character only when a line is not a whole document.
	const lines = text.split('\n').filter((line) => line.trim() !== '');
	try {
		return lines.map((line) => JSON.parse(line) as unknown);
	} catch {
		return scanJsonDocuments(text);
	}
}

/**
 * The JSON text with each raw control character (U+0000-U+001F) that stands inside a string written as a `\u00XX`
 * escape, which JSON.parse accepts; whitespace between tokens (newlines, tabs) is left as it is.
 */
export function escapeControlsInJsonStrings(text: string): string {
	let out = '';
	let from = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (!inString) {
			if (c === 34 /* " */) inString = true;
			continue;
		}
		if (c === 92 /* \ */) i++;
		else if (c === 34) inString = false;
		else if (c < 32) {
			out += `${text.slice(from, i)}\\u${c.toString(16).padStart(4, '0')}`;
			from = i + 1;
		}
	}
	return from === 0 ? text : out + text.slice(from);
}

function scanJsonDocuments(text: string): unknown[] {
	const documents: unknown[] = [];
	let depth = 0;
	let start = -1;
	let inString = false;
	// The current document has a raw control character inside a string.
	let raw = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 92 /* \ */) i++;
			else if (c === 34 /* " */) inString = false;
			else if (c < 32) raw = true;
			continue;
		}
		if (c === 34) {
			inString = true;
		} else if (c === 91 /* [ */ || c === 123 /* { */) {
			if (depth === 0) start = i;
			depth++;
		} else if (c === 93 /* ] */ || c === 125 /* } */) {
			depth--;
			if (depth < 0) throw new ParseError('ip JSON', `unbalanced "${text[i]}" at offset ${i}`);
			if (depth === 0) {
				const document = text.slice(start, i + 1);
				documents.push(parseJson(raw ? escapeControlsInJsonStrings(document) : document, start));
				raw = false;
			}
		} else if (depth === 0 && c > 32) {
			throw new ParseError('ip JSON', `unexpected text at offset ${i}: "${text.slice(i, i + 20)}"`);
		}
	}
	if (depth !== 0 || inString) throw new ParseError('ip JSON', 'output ends in the middle of a JSON document');
	return documents;
}

function parseJson(text: string, offset: number): unknown {
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new ParseError('ip JSON', `invalid JSON at offset ${offset}: ${(error as Error).message}`);
	}
}

const kindByInfoKind: Record<string, NicKind> = {
	bridge: 'bridge',
	veth: 'veth',
	macvtap: 'macvtap',
	macvlan: 'macvlan',
	vlan: 'vlan',
	bond: 'bond',
	vxlan: 'vxlan',
	dummy: 'dummy',
	openvswitch: 'ovs',
};

/** Flags that `ip -j addr` prints as true and that `ip addr add` takes back as words. */
const addOptions = ['nodad', 'noprefixroute', 'home', 'mngtmpaddr'] as const;

function parseAddresses(value: unknown): IpAddress[] {
	const addresses: IpAddress[] = [];
	for (const item of asArray(value ?? [], 'addr_info')) {
		const a = asRecord(item, 'addr_info entry');
		const family = a['family'];
		const local = optionalString(a['local']);
		const prefix = optionalNumber(a['prefixlen']);
		if ((family !== 'inet' && family !== 'inet6') || local === undefined || prefix === undefined) continue;
		const address: IpAddress = {family: family === 'inet' ? 'ipv4' : 'ipv6', address: local, prefix};
		const scope = optionalString(a['scope']);
		if (scope) address.scope = scope;
		if (a['dynamic'] === true) address.dynamic = true;
		const options = addOptions.filter((option) => a[option] === true);
		if (options.length > 0) address.options = options;
		addresses.push(address);
	}
	return addresses;
}

function kindOf(
	link: Record<string, unknown>,
	info: Record<string, unknown> | undefined,
	facts: SysfsFacts | undefined,
) {
	const infoKind = optionalString(info?.['info_kind']);
	const data = info?.['info_data'] as Record<string, unknown> | undefined;
	if (link['link_type'] === 'loopback') return {kind: 'loopback' as NicKind};
	if (infoKind === 'tun') {
		const type = optionalString(data?.['type']);
		return {kind: (type === 'tun' ? 'tun' : 'tap') as NicKind};
	}
	if (infoKind !== undefined) {
		const kind = kindByInfoKind[infoKind] ?? 'virtual';
		const mode = optionalString(data?.['mode']);
		const vlanId = kind === 'vlan' ? optionalNumber(data?.['id']) : undefined;
		const detail =
			kind === 'vlan' ? (vlanId === undefined ? undefined : `id ${vlanId}`) : kind === 'virtual' ? infoKind : mode;
		return {kind, detail, vlanId};
	}
	if (facts?.wireless) return {kind: 'wireless' as NicKind};
	if (facts?.hasDevice || link['parentbus'] !== undefined) return {kind: 'physical' as NicKind};
	return {kind: 'virtual' as NicKind};
}

/** Turn `ip -j -d addr` output (already parsed JSON) plus sysfs facts into NICs. */
export function parseIpLinks(json: unknown, sysfs: Record<string, SysfsFacts> = {}): Nic[] {
	const nics: Nic[] = [];
	for (const item of asArray(json, 'ip -j -d addr output')) {
		const link = asRecord(item, 'link');
		const name = optionalString(link['ifname']);
		const index = optionalNumber(link['ifindex']);
		if (name === undefined || index === undefined)
			throw new ParseError('ip -j -d addr', 'a link has no ifname or ifindex');
		const facts = sysfs[name];
		const info = link['linkinfo'] === undefined ? undefined : asRecord(link['linkinfo'], `linkinfo of ${name}`);
		const flags = asArray(link['flags'] ?? [], `flags of ${name}`).map(String);
		const {kind, detail, vlanId} = kindOf(link, info, facts);
		const nic: Nic = {
			name,
			index,
			kind,
			state: (optionalString(link['operstate']) ?? 'unknown').toLowerCase(),
			adminUp: flags.includes('UP'),
			carrier: flags.includes('LOWER_UP'),
			mtu: optionalNumber(link['mtu']) ?? 0,
			addresses: parseAddresses(link['addr_info']),
			wireless: kind === 'wireless',
		};
		const mac = optionalString(link['address']);
		if (mac && link['link_type'] === 'ether') nic.mac = mac;
		if (detail) nic.kindDetail = detail;
		if (vlanId !== undefined) nic.vlanId = vlanId;
		const master = optionalString(link['master']);
		if (master) nic.master = master;
		const parent = optionalString(link['link']);
		if (parent) nic.parent = parent;
		else if (link['link_netnsid'] !== undefined) nic.parentInOtherNamespace = true;
		const slaveKind = optionalString(info?.['info_slave_kind']);
		const slaveData = info?.['info_slave_data'] as Record<string, unknown> | undefined;
		if (slaveKind === 'bridge') {
			const portState = optionalString(slaveData?.['state']);
			if (portState) nic.bridgePortState = portState;
		}
		if (kind === 'bridge') {
			const stp = optionalNumber((info?.['info_data'] as Record<string, unknown> | undefined)?.['stp_state']);
			if (stp !== undefined) nic.stp = stp !== 0;
		}
		const busAddress = optionalString(link['parentdev']);
		if (busAddress) nic.busAddress = busAddress;
		if (facts?.speedMbps !== undefined && facts.speedMbps > 0) nic.speedMbps = facts.speedMbps;
		if (facts?.driver) nic.driver = facts.driver;
		if (facts?.sriovTotalVfs !== undefined && facts.sriovTotalVfs > 0) {
			nic.sriov = {totalVfs: facts.sriovTotalVfs, numVfs: facts.sriovNumVfs ?? 0};
		}
		nics.push(nic);
	}
	return nics;
}

/** Turn `ip -j route show table all` output into routes, leaving out the kernel's local/broadcast entries. */
export function parseIpRoutes(json: unknown): Route[] {
	const routes: Route[] = [];
	for (const item of asArray(json, 'ip -j route output')) {
		const r = asRecord(item, 'route');
		const type = optionalString(r['type']) ?? 'unicast';
		if (type === 'local' || type === 'broadcast' || type === 'anycast' || type === 'multicast') continue;
		const destination = optionalString(r['dst']);
		if (destination === undefined) continue;
		const route: Route = {destination};
		for (const [key, field] of [
			['gateway', 'gateway'],
			['dev', 'dev'],
			['table', 'table'],
			['protocol', 'protocol'],
			['prefsrc', 'prefsrc'],
		] as const) {
			const value = optionalString(r[field]);
			if (value) route[key] = value;
		}
		if (type !== 'unicast') route.type = type;
		routes.push(route);
	}
	return routes;
}

/** The output device of `ip -j route get ADDRESS`. */
export function parseRouteGet(json: unknown): string | undefined {
	const first = asArray(json, 'ip -j route get output')[0];
	return first === undefined ? undefined : optionalString(asRecord(first, 'route')['dev']);
}

/** Parse a sysfs integer file's content; sysfs answers -1 or fails for "unknown" (a down link's speed). */
export function parseSysfsInteger(content: string | undefined): number | undefined {
	if (content === undefined) return undefined;
	const trimmed = content.trim();
	if (!/^-?\d+$/.test(trimmed)) return undefined;
	const value = Number(trimmed);
	return value < 0 ? undefined : value;
}
