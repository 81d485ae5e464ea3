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

/**
 * The device a plan gives each VM: an `<interface>` on a libvirt network, or a whole PCI device.
 * A whole NIC is a `<hostdev>`, never `<interface type='hostdev'>`: formatdomain says that form "only" works for
 * SR-IOV virtual functions ("to assign any other type of PCI Ethernet card to a guest, use the traditional
 * <hostdev> device definition"); libvirt accepts it in attach-device --config and the VM then fails to start.
 */
export interface InterfaceSpec {
	type: 'network' | 'pci';
	network?: string;
	portgroup?: string;
	/** PCI address dddd:bb:ss.f, for type pci. */
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

// A host PCI address as <hostdev>'s <source><address>: no type attribute there (domaincommon.rng's hostdev
// source takes only domain, bus, slot and function; dumpxml prints none).
function pciAddressAttributes(address: string): Node {
	const match = /^([\da-f]{4}):([\da-f]{2}):([\da-f]{2})\.([0-7])$/i.exec(address.toLowerCase());
	if (!match) throw new Error(`not a PCI address: ${address}`);
	return {
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

/** The VM's device XML: `<interface>` for a network, `<hostdev>` (no MAC, no model: the NIC's own) for a PCI device. */
export function interfaceXml(spec: InterfaceSpec): string {
	if (spec.type === 'pci') {
		// managed='yes': libvirt binds the device to vfio-pci when the VM starts and gives it back when it stops.
		const hostdev: Node = {
			'@mode': 'subsystem',
			'@type': 'pci',
			'@managed': 'yes',
			source: {address: pciAddressAttributes(spec.pciAddress ?? '')},
		};
		return builder.build({hostdev}).trim();
	}
	const iface: Node = {'@type': spec.type};
	if (spec.mac) iface['mac'] = {'@address': spec.mac};
	iface['source'] = {'@network': spec.network, ...(spec.portgroup ? {'@portgroup': spec.portgroup} : {})};
	if (spec.model) iface['model'] = {'@type': spec.model};
	return builder.build({interface: iface}).trim();
}

/**
 * A pattern for the device as libvirt's dumpxml prints it (domain 0x%04x, bus and slot 0x%02x, function 0x%x, in
 * that order), so a step's check can find the passed-through device in the VM's own definition.
 */
export function hostdevPattern(pciAddress: string): string {
	const a = pciAddressAttributes(pciAddress);
	const fn = `0x${Number.parseInt(String(a['@function']), 16).toString(16)}`;
	return `<hostdev mode='subsystem' type='pci' managed='yes'>\\s*(<driver [^>]*/>\\s*)?<source>\\s*<address domain='${a['@domain']}' bus='${a['@bus']}' slot='${a['@slot']}' function='${fn}'/>`;
}
