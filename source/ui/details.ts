// What the details pane shows for one row: every fact kvmnet has about the object, who uses it, and its XML.
import {modeLabels} from '../core/classify.js';
import type {HostModel} from '../core/model.js';
import {visible} from '../core/visible.js';
import {formatAddress, formatSpeed, formatVlan, sshInterfaceOf, type Row} from './views.js';

export interface Details {
	title: string;
	lines: string[];
}

const field = (label: string, value: string | number | undefined | false) =>
	value === undefined || value === '' || value === false ? [] : [`${`${label}:`.padEnd(14)}${value}`];

function nicDetails(model: HostModel, name: string): Details {
	const nic = model.nics.find((n) => n.name === name);
	if (!nic)
		return {title: name, lines: ['This interface is not on the host (a VM that is not running, or it was removed).']};
	const ssh = sshInterfaceOf(model) === name;
	const lowers = model.nics.filter((n) => n.parent === name && n.kind !== 'veth').map((n) => `${n.name} (${n.kind})`);
	const networks = model.networks
		.filter((n) => [n.bridge, n.forwardDev, n.pfDev, ...n.forwardInterfaces].includes(name))
		.map((n) => `${n.name} (${modeLabels[n.mode]})`);
	const vms = model.vms.flatMap((vm) =>
		vm.interfaces.filter((i) => i.target === name || (i.type === 'direct' && i.source === name)).map(() => vm.name),
	);
	return {
		title: `NIC ${name}`,
		lines: [
			...(ssh
				? [
						`⚠ Your SSH session (from ${model.header.ssh?.clientAddress}) runs over this interface: changing it can cut you off.`,
						'',
					]
				: []),
			...field('Kind', `${nic.kind}${nic.kindDetail ? ` (${nic.kindDetail})` : ''}`),
			...field('State', `${nic.state}, admin ${nic.adminUp ? 'up' : 'down'}, carrier ${nic.carrier ? 'yes' : 'no'}`),
			...field('MAC', nic.mac),
			...field('MTU', nic.mtu),
			...field('Speed', nic.speedMbps ? `${formatSpeed(nic.speedMbps)}b/s` : undefined),
			...field('Driver', nic.driver),
			...field('Bus address', nic.busAddress),
			...field(
				'Wireless',
				nic.wireless && 'yes: it cannot be bridged to VMs (802.11 allows one MAC per station); use NAT or routed',
			),
			...field('SR-IOV', nic.sriov ? `${nic.sriov.numVfs} of ${nic.sriov.totalVfs} VFs enabled` : undefined),
			...field(
				'Master',
				nic.master ? `${nic.master}${nic.bridgePortState ? ` (port ${nic.bridgePortState})` : ''}` : undefined,
			),
			...field('Lower device', nic.parent ?? (nic.parentInOtherNamespace ? 'in another network namespace' : undefined)),
			...field('On top of it', lowers.join(', ')),
			...field('Networks', networks.join(', ')),
			...field('VMs', vms.join(', ')),
			...(nic.addresses.length > 0
				? [
						'Addresses:',
						...nic.addresses.map((a) =>
							`  ${formatAddress(a)} ${a.family} ${a.scope ?? ''}${a.dynamic ? ' (DHCP)' : ''}`.trimEnd(),
						),
					]
				: ['Addresses:    none']),
		],
	};
}

function bridgeDetails(model: HostModel, name: string): Details {
	const bridge = model.bridges.find((b) => b.name === name);
	if (!bridge) return nicDetails(model, name);
	const vmOnPort = new Map(
		model.vms.flatMap((vm) => vm.interfaces.flatMap((i) => (i.target ? [[i.target, vm.name] as const] : []))),
	);
	const networks = model.networks.filter((n) => n.bridge === name).map((n) => `${n.name} (${modeLabels[n.mode]})`);
	const ssh = sshInterfaceOf(model);
	return {
		title: `${bridge.type === 'ovs' ? 'Open vSwitch' : 'Linux'} bridge ${name}`,
		lines: [
			...(ssh && (ssh === name || bridge.ports.some((p) => p.name === ssh))
				? [`⚠ Your SSH session runs over this bridge (${ssh}).`, '']
				: []),
			...field(
				'Type',
				bridge.type === 'ovs' ? `Open vSwitch, ${bridge.datapath ?? 'system'} datapath` : 'Linux bridge',
			),
			...field('State', bridge.state),
			...field('STP', bridge.stp ? 'on' : 'off'),
			...field('Addresses', bridge.addresses.map(formatAddress).join(' ') || 'none'),
			...field('Networks', networks.join(', ')),
			`Ports (${bridge.ports.length}):`,
			...bridge.ports.map((p) => {
				const nic = model.nics.find((n) => n.name === p.name);
				const extras = [
					nic ? nic.kind : undefined,
					p.state,
					p.tag !== undefined ? `VLAN tag ${p.tag}` : undefined,
					p.trunks ? `trunk ${p.trunks.join(',')}` : undefined,
					p.ovsType,
					vmOnPort.has(p.name) ? `→ VM ${vmOnPort.get(p.name)}` : undefined,
				].filter(Boolean);
				return `  ${p.name}  ${extras.join(', ')}`;
			}),
		],
	};
}

function networkDetails(model: HostModel, name: string): Details {
	const network = model.networks.find((n) => n.name === name);
	if (!network) return {title: name, lines: ['No such network.']};
	const users = model.vms
		.filter((vm) => vm.interfaces.some((i) => i.type === 'network' && i.source === name))
		.map((vm) => `${vm.name} (${vm.state})`);
	return {
		title: `libvirt network ${name}`,
		lines: [
			...field('Mode', modeLabels[network.mode]),
			...field(
				'State',
				`${network.active ? 'active' : 'inactive'}, autostart ${network.autostart ? 'on' : 'off'}, ${network.persistent ? 'persistent' : 'transient'}`,
			),
			...field('Bridge', network.bridge),
			...field('Forward dev', network.forwardDev),
			...field('Pool NICs', network.forwardInterfaces.join(', ')),
			...field('SR-IOV PF', network.pfDev),
			...field('VFs', network.hostdevAddresses.join(', ')),
			...field('Virtualport', network.virtualport),
			...field('DNS domain', network.domain),
			...field('VLAN', formatVlan(network.vlan)),
			...network.ips.flatMap((ip) => [
				`${ip.family === 'ipv4' ? 'IPv4' : 'IPv6'}:${' '.repeat(9)}${ip.address}/${ip.prefix}`,
				...ip.dhcpRanges.map((r) => `  DHCP range  ${r.start} – ${r.end}`),
				...ip.dhcpHosts.map((h) => `  static      ${h.ip} ${h.mac ?? ''} ${h.name ?? ''}`.trimEnd()),
			]),
			...network.portgroups.map((p) =>
				`Portgroup:    ${p.name}${p.isDefault ? ' (default)' : ''} ${formatVlan(p.vlan)}`.trimEnd(),
			),
			...field('VMs', users.join(', ') || 'none'),
			'',
			'XML (virsh net-dumpxml):',
			...network.xml.trimEnd().split('\n'),
		],
	};
}

function vmDetails(model: HostModel, name: string): Details {
	const vm = model.vms.find((v) => v.name === name);
	if (!vm) return {title: name, lines: ['No such VM.']};
	return {
		title: `VM ${name}`,
		lines: [
			...field(
				'State',
				`${vm.state}${vm.persistent === false ? ', transient' : ''}${vm.autostart ? ', autostart' : ''}`,
			),
			`Interfaces (${vm.interfaces.length}):`,
			...vm.interfaces.map((i, n) =>
				[
					`  ${n + 1}. ${i.type}`,
					i.source ? `source ${i.source}` : undefined,
					i.sourceMode ? `mode ${i.sourceMode}` : undefined,
					i.portgroup ? `portgroup ${i.portgroup}` : undefined,
					i.model ? `model ${i.model}` : undefined,
					i.mac,
					i.target ? `host device ${i.target}` : undefined,
					i.virtualport ? `virtualport ${i.virtualport}` : undefined,
					formatVlan(i.vlan) || undefined,
				]
					.filter(Boolean)
					.join(', '),
			),
			'',
			'XML (virsh dumpxml):',
			...vm.xml.trimEnd().split('\n'),
		],
	};
}

/** The details of a row, with every control character in them made visible (names, XML lines, descriptions). */
export function detailsFor(model: HostModel, row: Row): Details {
	const details = rawDetails(model, row);
	return {title: visible(details.title), lines: details.lines.map((line) => visible(line))};
}

function rawDetails(model: HostModel, row: Row): Details {
	switch (row.kind) {
		case 'nic':
		case 'port':
			return nicDetails(model, row.name);
		case 'bridge':
			return bridgeDetails(model, row.name);
		case 'network':
			return networkDetails(model, row.name);
		case 'vm':
			return vmDetails(model, row.name);
		case 'group':
			return {
				title: row.cells[0] ?? '',
				lines: [
					'These VM interfaces use a device this host does not show (a PCI device, user-mode networking, a vhost-user socket), or their source is missing.',
				],
			};
	}
}
