// Parsers for libvirt's XML (network, domain, the test driver's host file) and virsh's text answers.
import {prefixFromNetmask} from './net.js';
import {XMLBuilder, XMLParser} from 'fast-xml-parser';
import {classifyNetwork} from './classify.js';
import type {LibvirtNetwork, NetworkIp, Portgroup, VlanSpec, VmInterface} from './model.js';
import {ParseError, optionalNumber, optionalString} from './parse-util.js';

type XmlNode = Record<string, unknown>;

// Elements that may repeat: fast-xml-parser gives them as arrays always, so callers never branch on count.
const repeatable = new Set([
	'ip',
	'range',
	'host',
	'portgroup',
	'tag',
	'interface',
	'address',
	'network',
	'domain',
	'device',
]);

const parser = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: '@',
	parseAttributeValue: false,
	parseTagValue: false,
	// Names are exact: libvirt accepts ' lead' and 'trail ' (and tabs), and trimming would show, and look up, another
	// name. Whitespace between elements then comes back as text, which child() and children() pass over.
	trimValues: false,
	isArray: (name) => repeatable.has(name),
});

export interface XmlSource {
	/**
	 * The XML is what libvirt itself just printed (virsh dumpxml): well-formed by construction, so only a cut-off
	 * end is checked, not the whole grammar. The validator is about 40% of fast-xml-parser's time on a scan.
	 */
	fromLibvirt?: boolean;
}

function parseXml(xml: string, what: string, root: string, source: XmlSource): XmlNode {
	if (xml.trim() === '') throw new ParseError(what, 'the XML is empty');
	if (source.fromLibvirt && !xml.trimEnd().endsWith(`</${root}>`))
		throw new ParseError(what, `invalid XML: it does not end with </${root}> (cut off?)`);
	let tree: unknown;
	try {
		tree = parser.parse(xml, !source.fromLibvirt);
	} catch (error) {
		const detail = error instanceof Error ? error.message : String(error);
		throw new ParseError(what, `invalid XML: ${detail}`);
	}
	return tree as XmlNode;
}

function child(node: unknown, name: string): XmlNode | undefined {
	if (typeof node !== 'object' || node === null) return undefined;
	const value = (node as XmlNode)[name];
	if (Array.isArray(value)) return value[0] as XmlNode | undefined;
	if (typeof value === 'object' && value !== null) return value as XmlNode;
	if (typeof value === 'string' && value.trim() === '') return {};
	return undefined;
}

function children(node: unknown, name: string): XmlNode[] {
	if (typeof node !== 'object' || node === null) return [];
	const value = (node as XmlNode)[name];
	if (value === undefined) return [];
	const list = Array.isArray(value) ? value : [value];
	return list.map((item) => (typeof item === 'object' && item !== null ? (item as XmlNode) : {}));
}

function attr(node: XmlNode | undefined, name: string): string | undefined {
	return node === undefined ? undefined : optionalString(node[`@${name}`]);
}

function text(node: unknown, name: string): string | undefined {
	if (typeof node !== 'object' || node === null) return undefined;
	const value = (node as XmlNode)[name];
	const first = Array.isArray(value) ? value[0] : value;
	if (typeof first === 'string') return first;
	if (typeof first === 'object' && first !== null) return optionalString((first as XmlNode)['#text']);
	return undefined;
}

/** A PCI address element as the usual 0000:03:10.2 notation. */
export function pciAddressText(node: XmlNode): string {
	const hex = (value: string | undefined, width: number) =>
		Number.parseInt(value ?? '0', value?.startsWith('0x') ? 16 : 10)
			.toString(16)
			.padStart(width, '0');
	return `${hex(attr(node, 'domain'), 4)}:${hex(attr(node, 'bus'), 2)}:${hex(attr(node, 'slot'), 2)}.${hex(attr(node, 'function'), 1)}`;
}

function parseVlan(node: XmlNode | undefined): VlanSpec | undefined {
	if (node === undefined) return undefined;
	const tags = children(node, 'tag').flatMap((tag) => {
		const id = optionalNumber(attr(tag, 'id'));
		if (id === undefined) return [];
		const nativeMode = attr(tag, 'nativeMode');
		return [nativeMode ? {id, nativeMode} : {id}];
	});
	return {tags, trunk: attr(node, 'trunk') === 'yes' || tags.length > 1};
}

/**
 * The prefix libvirt gives a network's `<ip>`, by its own rule (virSocketAddrGetIPPrefix, src/util/virsocketaddr.c):
 * a prefix above 0, else the netmask's bits, else for IPv4 the address's class (0.0.0.0: 0; first octet below 128:
 * 8, below 192: 16, below 224: 24) and for IPv6 64 (:: gives 0). So `<ip address='10.24.10.1'/>` is a /8, not a
 * /24, and overlaps every 10.x network. Class D and E addresses have no prefix there (libvirt refuses them); here
 * they cover their own address only.
 */
export function libvirtPrefix(
	address: string,
	family: 'ipv4' | 'ipv6',
	prefix: number | undefined,
	netmask: string | undefined,
): number {
	if (prefix !== undefined && prefix > 0) return prefix;
	const fromNetmask = netmask ? prefixFromNetmask(netmask) : undefined;
	if (fromNetmask !== undefined) return fromNetmask;
	if (family === 'ipv6') return /^[0:]*$/.test(address) ? 0 : 64;
	const octets = address.split('.').map(Number);
	if (octets.every((octet) => octet === 0)) return 0;
	const first = octets[0] ?? 0;
	return first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 32;
}

function parseNetworkIps(network: XmlNode): NetworkIp[] {
	return children(network, 'ip').flatMap((ip) => {
		const address = attr(ip, 'address');
		if (address === undefined) return [];
		const family = attr(ip, 'family') === 'ipv6' || address.includes(':') ? 'ipv6' : 'ipv4';
		const netmask = attr(ip, 'netmask');
		const prefix = libvirtPrefix(address, family, optionalNumber(attr(ip, 'prefix')), netmask);
		const dhcp = child(ip, 'dhcp');
		return [
			{
				family,
				address,
				prefix,
				dhcpRanges: children(dhcp, 'range').flatMap((r) => {
					const start = attr(r, 'start');
					const end = attr(r, 'end');
					return start && end ? [{start, end}] : [];
				}),
				dhcpHosts: children(dhcp, 'host').flatMap((h) => {
					const hostIp = attr(h, 'ip');
					if (!hostIp) return [];
					const host: NetworkIp['dhcpHosts'][number] = {ip: hostIp};
					const mac = attr(h, 'mac');
					const name = attr(h, 'name');
					if (mac) host.mac = mac;
					if (name) host.name = name;
					return [host];
				}),
			},
		];
	});
}

export type ParsedNetwork = Omit<LibvirtNetwork, 'active' | 'autostart' | 'persistent'>;

/** Parse one `<network>` document (net-dumpxml output). */
export function parseNetworkXml(xml: string, source: XmlSource = {}): ParsedNetwork {
	const network = child(parseXml(xml, 'network XML', 'network', source), 'network');
	if (network === undefined) throw new ParseError('network XML', 'no <network> element');
	const name = text(network, 'name');
	if (!name) throw new ParseError('network XML', '<network> has no <name>');
	const forward = child(network, 'forward');
	const bridgeName = attr(child(network, 'bridge'), 'name');
	const virtualport = attr(child(network, 'virtualport'), 'type');
	// libvirt treats forward dev='X' as the first interface of the pool, and the first pool interface as the
	// forward dev, and writes both back; do the same so user XML and net-dumpxml read alike.
	const listed = children(forward, 'interface').flatMap((i) => attr(i, 'dev') ?? []);
	const forwardDev = attr(forward, 'dev') ?? listed[0];
	const forwardInterfaces = listed.length === 0 && forwardDev ? [forwardDev] : listed;
	const forwardMode = attr(forward, 'mode');
	const mode = classifyNetwork({
		hasForward: forward !== undefined,
		forwardMode,
		bridgeName,
		virtualport,
		forwardDev,
		forwardInterfaces,
	});
	const portgroups: Portgroup[] = children(network, 'portgroup').map((pg) => {
		const group: Portgroup = {name: attr(pg, 'name') ?? '', isDefault: attr(pg, 'default') === 'yes'};
		const vlan = parseVlan(child(pg, 'vlan'));
		if (vlan) group.vlan = vlan;
		return group;
	});
	const parsed: ParsedNetwork = {
		name,
		mode,
		forwardInterfaces,
		hostdevAddresses: children(forward, 'address').map(pciAddressText),
		ips: parseNetworkIps(network),
		portgroups,
		xml,
	};
	const uuid = text(network, 'uuid');
	if (uuid) parsed.uuid = uuid;
	if (bridgeName) parsed.bridge = bridgeName;
	if (forwardDev) parsed.forwardDev = forwardDev;
	const pfDev = attr(child(forward, 'pf'), 'dev');
	if (pfDev) parsed.pfDev = pfDev;
	const domain = attr(child(network, 'domain'), 'name');
	if (domain) parsed.domain = domain;
	const vlan = parseVlan(child(network, 'vlan'));
	if (vlan) parsed.vlan = vlan;
	if (virtualport) parsed.virtualport = virtualport;
	return parsed;
}

function interfaceSource(type: string, source: XmlNode | undefined): string | undefined {
	switch (type) {
		case 'network':
			return attr(source, 'network');
		case 'bridge':
			return attr(source, 'bridge');
		case 'direct':
			return attr(source, 'dev');
		case 'hostdev': {
			const address = child(source, 'address');
			return address ? pciAddressText(address) : undefined;
		}
		case 'vhostuser':
			return attr(source, 'path');
		default:
			return attr(source, 'dev') ?? attr(source, 'network') ?? attr(source, 'bridge');
	}
}

export interface ParsedDomain {
	name: string;
	uuid?: string;
	interfaces: VmInterface[];
	xml: string;
}

function parseDomainNode(domain: XmlNode, xml: string): ParsedDomain {
	const name = text(domain, 'name');
	if (!name) throw new ParseError('domain XML', '<domain> has no <name>');
	const interfaces = children(child(domain, 'devices'), 'interface').map((node) => {
		const type = attr(node, 'type') ?? 'unknown';
		const source = child(node, 'source');
		const vmInterface: VmInterface = {type};
		const sourceText = interfaceSource(type, source);
		if (sourceText) vmInterface.source = sourceText;
		const sourceMode = type === 'direct' ? (attr(source, 'mode') ?? 'vepa') : undefined;
		if (sourceMode) vmInterface.sourceMode = sourceMode;
		const portgroup = attr(source, 'portgroup');
		if (portgroup) vmInterface.portgroup = portgroup;
		const model = attr(child(node, 'model'), 'type');
		if (model) vmInterface.model = model;
		const mac = attr(child(node, 'mac'), 'address');
		if (mac) vmInterface.mac = mac.toLowerCase();
		const target = attr(child(node, 'target'), 'dev');
		if (target) vmInterface.target = target;
		const virtualport = attr(child(node, 'virtualport'), 'type');
		if (virtualport) vmInterface.virtualport = virtualport;
		const vlan = parseVlan(child(node, 'vlan'));
		if (vlan) vmInterface.vlan = vlan;
		return vmInterface;
	});
	// A whole PCI device passed through (<hostdev mode='subsystem' type='pci'>): a NIC given to the VM this way
	// has no <interface>; it is listed as type 'pci' with its host address (a GPU shows the same way).
	for (const node of children(child(domain, 'devices'), 'hostdev')) {
		if (attr(node, 'mode') !== 'subsystem' || attr(node, 'type') !== 'pci') continue;
		const address = child(child(node, 'source'), 'address');
		interfaces.push({type: 'pci', ...(address ? {source: pciAddressText(address)} : {})});
	}
	const parsed: ParsedDomain = {name, interfaces, xml};
	const uuid = text(domain, 'uuid');
	if (uuid) parsed.uuid = uuid;
	return parsed;
}

/**
 * The parts of a domain the inventory reads (its name, uuid and interfaces), cut out of libvirt's own dumpxml
 * output before parsing. A real VM's XML is mostly disks, controllers and consoles (8-9 KB, a tenth of it
 * interfaces), and parsing all of it for 300 VMs took ~230 ms where these parts take a fraction of that.
 * libvirt writes one element per line, two spaces per level, so the parts are found by their indentation:
 * `<name>` and `<uuid>` at two spaces, each `<interface>` and `<hostdev>` at four inside `<devices>`. Any other shape gives
 * undefined and the whole document is parsed instead.
 */
export function domainNetworkParts(xml: string): string | undefined {
	const root = xml.slice(0, xml.indexOf('\n'));
	if (!/^<domain( [^<>]*)?>$/.test(root)) return undefined;
	const lines = [root];
	for (const tag of ['name', 'uuid']) {
		const line = new RegExp(`\n  <${tag}>[^<]*</${tag}>\n`).exec(xml);
		if (line) lines.push(line[0].slice(1, -1));
		else if (tag === 'name') return undefined;
	}
	const devicesStart = xml.indexOf('\n  <devices>\n');
	const devicesEnd = xml.indexOf('\n  </devices>\n', devicesStart);
	if (devicesStart < 0 || devicesEnd < 0)
		return xml.includes('<devices') ? undefined : `${lines.join('\n')}\n</domain>`;
	lines.push('  <devices>');
	for (const tag of ['interface', 'hostdev']) {
		const opening = new RegExp(`^ {4}<${tag}[ >]`);
		const closing = `\n    </${tag}>`;
		for (
			let at = xml.indexOf(`\n    <${tag}`, devicesStart);
			at >= 0 && at < devicesEnd;
			at = xml.indexOf(`\n    <${tag}`, at + 1)
		) {
			const lineEnd = xml.indexOf('\n', at + 1);
			const line = xml.slice(at + 1, lineEnd);
			if (!opening.test(line)) continue;
			if (line.endsWith('/>')) {
				lines.push(line);
				continue;
			}
			const close = xml.indexOf(closing, lineEnd);
			if (close < 0 || close > devicesEnd) return undefined;
			lines.push(xml.slice(at + 1, close + closing.length));
		}
	}
	lines.push('  </devices>', '</domain>');
	return lines.join('\n');
}

/** Parse one `<domain>` document (dumpxml output). */
export function parseDomainXml(xml: string, source: XmlSource = {}): ParsedDomain {
	const parts = source.fromLibvirt && xml.trimEnd().endsWith('</domain>') ? domainNetworkParts(xml) : undefined;
	const domain = child(parseXml(parts ?? xml, 'domain XML', 'domain', source), 'domain');
	if (domain === undefined) throw new ParseError('domain XML', 'no <domain> element');
	return parseDomainNode(domain, xml);
}

// The test driver's host file keeps each network and domain as a child of <node>; to show each one's own
// XML (as net-dumpxml would), the file is read once in document order and each child is written back out.
const orderedParser = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: '@',
	preserveOrder: true,
	commentPropName: '#comment',
});
const orderedBuilder = new XMLBuilder({
	ignoreAttributes: false,
	attributeNamePrefix: '@',
	preserveOrder: true,
	format: true,
	indentBy: '  ',
	suppressEmptyNode: true,
});

export interface TestDriverHost {
	networks: string[];
	/** Each domain's XML with whether the file marks it shut off (`<test:runstate>5</test:runstate>`). */
	domains: {xml: string; running: boolean}[];
}

/** Split a libvirt test-driver host file (`<node>` with `<network>` and `<domain>` children) into documents. */
export function parseTestDriverHost(xml: string): TestDriverHost {
	let ordered: unknown[];
	try {
		ordered = orderedParser.parse(xml, true) as unknown[];
	} catch (error) {
		throw new ParseError('test driver host file', `invalid XML: ${(error as Error).message}`);
	}
	const node = ordered.find((item) => typeof item === 'object' && item !== null && 'node' in item) as
		{node: unknown[]} | undefined;
	if (node === undefined) throw new ParseError('test driver host file', 'no <node> element');
	const result: TestDriverHost = {networks: [], domains: []};
	for (const item of node.node) {
		if (typeof item !== 'object' || item === null) continue;
		const entry = item as Record<string, unknown[]>;
		if ('network' in entry) {
			result.networks.push(orderedBuilder.build([{network: entry['network']}]).trim());
		} else if ('domain' in entry) {
			const body = (entry['domain'] ?? []).filter(
				(part) => !(typeof part === 'object' && part !== null && 'test:runstate' in part),
			);
			const runstate = (entry['domain'] ?? []).find(
				(part) => typeof part === 'object' && part !== null && 'test:runstate' in part,
			) as Record<string, {'#text'?: unknown}[]> | undefined;
			const state = runstate?.['test:runstate']?.[0]?.['#text'];
			const attributes = (entry as Record<string, unknown>)[':@'] as Record<string, string> | undefined;
			const kept = Object.fromEntries(Object.entries(attributes ?? {}).filter(([key]) => !key.startsWith('@xmlns:')));
			result.domains.push({
				xml: orderedBuilder.build([{domain: body, ':@': kept}]).trim(),
				running: state === undefined || String(state) === '1',
			});
		}
	}
	return result;
}

/** Parse the `Key:   value` lines that `virsh net-info` and `virsh dominfo` print. */
export function parseVirshInfo(output: string): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const line of output.split('\n')) {
		const match = /^([A-Za-z][A-Za-z ()]*?):\s*(.*)$/.exec(line.trimEnd());
		if (match) fields[match[1]!.toLowerCase()] = match[2]!.trim();
	}
	return fields;
}

export function yes(value: string | undefined): boolean {
	return value === 'yes' || value === 'enable';
}

export interface VirshVersion {
	library?: string;
	hypervisor?: string;
}

/** Parse `virsh version` ("Using library: libvirt 9.0.0", "Running hypervisor: QEMU 7.2.0"). */
export function parseVirshVersion(output: string): VirshVersion {
	const version: VirshVersion = {};
	const library = /Using library: libvirt (\S+)/.exec(output)?.[1];
	const hypervisor = /Running hypervisor: (.+)/.exec(output)?.[1]?.trim();
	if (library) version.library = library;
	if (hypervisor) version.hypervisor = hypervisor;
	return version;
}
