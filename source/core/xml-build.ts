// libvirt network and domain <interface> XML, built from structured specs with fast-xml-parser's builder
// (never by pasting strings), so names and addresses are escaped and the output always parses back.
import {XMLBuilder} from 'fast-xml-parser';
import type {VlanSpec} from './model.js';

export interface NetworkIpSpec {
	family: 'ipv4' | 'ipv6';
	address: string;
	prefix: number;
	dhcp?: {start: string; end: string};
}

export interface PortgroupSpec {
	name: string;
	isDefault?: boolean;
	vlan?: VlanSpec;
}

export interface NetworkSpec {
	name: string;
	forward?: {mode: string; dev?: string; interfaces?: string[]; pf?: string; managed?: boolean};
	bridge?: {name: string; stp?: boolean};
	virtualport?: 'openvswitch';
	domain?: string;
	ips?: NetworkIpSpec[];
	vlan?: VlanSpec;
	portgroups?: PortgroupSpec[];
}

export interface InterfaceSpec {
	type: 'network' | 'hostdev';
	network?: string;
	portgroup?: string;
	/** PCI address dddd:bb:ss.f, for type hostdev. */
	pciAddress?: string;
	model?: string;
	mac?: string;
}

type Node = Record<string, unknown>;

const builder = new XMLBuilder({
	ignoreAttributes: false,
	attributeNamePrefix: '@',
	format: true,
	indentBy: '  ',
	suppressEmptyNode: true,
	suppressBooleanAttributes: false,
});

function vlanNode(vlan: VlanSpec): Node {
	return {
		...(vlan.trunk ? {'@trunk': 'yes'} : {}),
		tag: vlan.tags.map((tag) => ({'@id': String(tag.id), ...(tag.nativeMode ? {'@nativeMode': tag.nativeMode} : {})})),
	};
}

export function pciAddressAttributes(address: string): Node {
	const match = /^([\da-f]{4}):([\da-f]{2}):([\da-f]{2})\.([0-7])$/i.exec(address);
	if (!match) throw new Error(`not a PCI address: ${address}`);
	return {
		'@type': 'pci',
		'@domain': `0x${match[1]}`,
		'@bus': `0x${match[2]}`,
		'@slot': `0x${match[3]}`,
		'@function': `0x${match[4]}`,
	};
}

export function networkXml(spec: NetworkSpec): string {
	const network: Node = {name: spec.name};
	if (spec.forward) {
		const forward: Node = {'@mode': spec.forward.mode};
		if (spec.forward.dev) forward['@dev'] = spec.forward.dev;
		if (spec.forward.managed) forward['@managed'] = 'yes';
		if (spec.forward.pf) forward['pf'] = {'@dev': spec.forward.pf};
		if (spec.forward.interfaces?.length) forward['interface'] = spec.forward.interfaces.map((dev) => ({'@dev': dev}));
		network['forward'] = forward;
	}
	if (spec.bridge)
		network['bridge'] = {
			'@name': spec.bridge.name,
			...(spec.bridge.stp === undefined ? {} : {'@stp': spec.bridge.stp ? 'on' : 'off', '@delay': '0'}),
		};
	if (spec.virtualport) network['virtualport'] = {'@type': spec.virtualport};
	if (spec.vlan) network['vlan'] = vlanNode(spec.vlan);
	if (spec.portgroups?.length) {
		network['portgroup'] = spec.portgroups.map((pg) => ({
			'@name': pg.name,
			...(pg.isDefault ? {'@default': 'yes'} : {}),
			...(pg.vlan ? {vlan: vlanNode(pg.vlan)} : {}),
		}));
	}
	if (spec.domain) network['domain'] = {'@name': spec.domain};
	if (spec.ips?.length) {
		network['ip'] = spec.ips.map((ip) => ({
			...(ip.family === 'ipv6' ? {'@family': 'ipv6'} : {}),
			'@address': ip.address,
			'@prefix': String(ip.prefix),
			...(ip.dhcp ? {dhcp: {range: {'@start': ip.dhcp.start, '@end': ip.dhcp.end}}} : {}),
		}));
	}
	return builder.build({network}).trim();
}

export function interfaceXml(spec: InterfaceSpec): string {
	const iface: Node = {'@type': spec.type};
	if (spec.type === 'hostdev') iface['@managed'] = 'yes';
	if (spec.mac) iface['mac'] = {'@address': spec.mac};
	if (spec.type === 'network')
		iface['source'] = {'@network': spec.network, ...(spec.portgroup ? {'@portgroup': spec.portgroup} : {})};
	else iface['source'] = {address: pciAddressAttributes(spec.pciAddress ?? '')};
	if (spec.model) iface['model'] = {'@type': spec.model};
	return builder.build({interface: iface}).trim();
}
