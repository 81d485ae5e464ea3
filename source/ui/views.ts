// The inventory as tables of rows: one definition of what each view shows, used by the TUI (which draws only
// the visible rows) and by the plain-text report. Pure: no I/O, no React.
import {modeLabels} from '../core/classify.js';
import type {Bridge, HostModel, IpAddress, LibvirtNetwork, Nic, Vm, VlanSpec} from '../core/model.js';
import {nextTurn} from '../core/next-turn.js';
import {buildTopology, topologyRows} from '../core/topology.js';
import {visible} from '../core/visible.js';

export type TabId = 'topology' | 'nics' | 'bridges' | 'networks' | 'vms';

export const tabs: {id: TabId; title: string}[] = [
	{id: 'topology', title: 'Topology'},
	{id: 'nics', title: 'NICs'},
	{id: 'bridges', title: 'Bridges'},
	{id: 'networks', title: 'Networks'},
	{id: 'vms', title: 'VMs'},
];

export interface Row {
	kind: 'nic' | 'bridge' | 'network' | 'vm' | 'port' | 'group';
	name: string;
	cells: string[];
	/** This row is, or carries, the interface of the current SSH session. */
	ssh: boolean;
	/** Down, inactive or shut off: drawn dimmed. */
	dim: boolean;
}

export interface Table {
	id: TabId;
	columns: string[];
	rows: Row[];
	/** Column widths fitted to the content (the last column takes what is left). */
	widths: number[];
}

export const sshMark = '[SSH]';

export function formatAddress(address: IpAddress): string {
	return `${address.address}/${address.prefix}`;
}

export function formatSpeed(mbps: number | undefined): string {
	if (mbps === undefined) return '';
	return mbps >= 1000 ? `${mbps / 1000}G` : `${mbps}M`;
}

export function formatBytes(bytes: number | undefined): string {
	if (!bytes) return '';
	const gib = bytes / 1024 ** 3;
	return gib >= 1 ? `${Math.round(gib)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

export function formatVlan(vlan: VlanSpec | undefined): string {
	if (!vlan || vlan.tags.length === 0) return '';
	const tags = vlan.tags.map((t) => `${t.id}${t.nativeMode ? `(native ${t.nativeMode})` : ''}`).join(',');
	return vlan.trunk ? `trunk ${tags}` : `tag ${tags}`;
}

const globalAddresses = (addresses: IpAddress[]) => addresses.filter((a) => a.scope !== 'link').map(formatAddress);

function nicKind(nic: Nic): string {
	return nic.kindDetail ? `${nic.kind} ${nic.kindDetail}` : nic.kind;
}

function networkAttachment(network: LibvirtNetwork): string {
	if (network.bridge) return network.bridge;
	if (network.pfDev) return `pf ${network.pfDev}`;
	if (network.forwardInterfaces.length > 0) return network.forwardInterfaces.join(',');
	if (network.forwardDev) return network.forwardDev;
	if (network.hostdevAddresses.length > 0) return `${network.hostdevAddresses.length} VFs`;
	return '';
}

function networkSubnets(network: LibvirtNetwork): string {
	return network.ips
		.map((ip) => {
			const dhcp =
				ip.dhcpRanges.length > 0
					? ` dhcp ${ip.dhcpRanges.map((r) => `${r.start}-${r.end.split(/[.:]/).pop()}`).join(',')}`
					: '';
			return `${ip.address}/${ip.prefix}${dhcp}`;
		})
		.join(' ');
}

function vmInterfaceSummary(vm: Vm): string {
	return vm.interfaces.map((i) => `${i.type}:${i.source ?? '-'}${i.target ? `(${i.target})` : ''}`).join(' ');
}

function fitWidths(columns: string[], rows: Row[]): number[] {
	const widths = columns.map((c) => c.length);
	for (const row of rows) {
		row.cells.forEach((cell, i) => {
			if (cell.length > widths[i]!) widths[i] = cell.length;
		});
	}
	// Keep the leading columns from crowding out the rest on narrow terminals.
	return widths.map((w, i) => (i === widths.length - 1 ? w : Math.min(w, 22)));
}

function table(id: TabId, columns: string[], rows: Row[]): Table {
	// Cells are what is shown: names from the host with their control characters made visible (and measured so).
	// Row names stay exact: they find the object again for its details.
	for (const row of rows) for (let i = 0; i < row.cells.length; i++) row.cells[i] = visible(row.cells[i]!);
	return {id, columns, rows, widths: fitWidths(columns, rows)};
}

export function sshInterfaceOf(model: HostModel): string | undefined {
	return model.header.ssh?.interface;
}

function bridgeCarriesSsh(bridge: Bridge, ssh: string | undefined): boolean {
	return ssh !== undefined && (bridge.name === ssh || bridge.ports.some((p) => p.name === ssh));
}

/** Each view's table, built on its own (the TUI builds them one per event-loop turn on a large host). */
const tableBuilders: Record<TabId, (model: HostModel, ssh: string | undefined) => Table> = {
	topology: (model, ssh) =>
		table(
			'topology',
			['Path from NICs to VMs'],
			topologyRows(buildTopology(model)).map<Row>(({prefix, node}) => {
				const carries =
					node.name !== '' &&
					node.name === ssh &&
					(node.kind === 'nic' || node.kind === 'port' || node.kind === 'bridge');
				return {
					kind: node.kind === 'group' ? 'group' : node.kind,
					name: node.name,
					ssh: carries,
					dim: /\((shut off|inactive|down)/.test(node.label),
					cells: [prefix + mark(carries, node.label)],
				};
			}),
		),
	nics: (model, ssh) =>
		table(
			'nics',
			['Name', 'Kind', 'State', 'Speed', 'Master', 'Addresses'],
			model.nics.map<Row>((nic) => ({
				kind: 'nic',
				name: nic.name,
				ssh: nic.name === ssh,
				dim: nic.state === 'down' || nic.state === 'lowerlayerdown',
				cells: [
					mark(nic.name === ssh, nic.name),
					nicKind(nic),
					nic.state,
					formatSpeed(nic.speedMbps),
					nic.master ?? '',
					[...globalAddresses(nic.addresses), nic.sriov ? `SR-IOV ${nic.sriov.numVfs}/${nic.sriov.totalVfs} VFs` : '']
						.filter(Boolean)
						.join(' '),
				],
			})),
		),
	bridges: (model, ssh) =>
		table(
			'bridges',
			['Name', 'Type', 'STP', 'Addresses', 'Ports'],
			model.bridges.map<Row>((bridge) => {
				const carries = bridgeCarriesSsh(bridge, ssh);
				return {
					kind: 'bridge',
					name: bridge.name,
					ssh: carries,
					dim: bridge.state === 'down',
					cells: [
						mark(carries, bridge.name),
						bridge.type === 'ovs' ? `OVS ${bridge.datapath ?? ''}`.trim() : 'linux',
						bridge.stp ? 'on' : 'off',
						globalAddresses(bridge.addresses).join(' '),
						bridge.ports
							.map(
								(p) =>
									`${p.name}${p.tag !== undefined ? `:${p.tag}` : ''}${p.trunks ? `:trunk ${p.trunks.join(',')}` : ''}`,
							)
							.join(' ') || '(no ports)',
					],
				};
			}),
		),
	networks: (model, ssh) =>
		table(
			'networks',
			['Name', 'Mode', 'State', 'Auto', 'Bridge/dev', 'Subnets'],
			model.networks.map<Row>((network) => {
				const carries =
					ssh !== undefined &&
					[network.bridge, network.forwardDev, network.pfDev, ...network.forwardInterfaces].includes(ssh);
				return {
					kind: 'network',
					name: network.name,
					ssh: carries,
					dim: !network.active,
					cells: [
						mark(carries, network.name),
						modeLabels[network.mode],
						network.active ? 'active' : 'inactive',
						network.autostart ? 'yes' : 'no',
						networkAttachment(network),
						[
							networkSubnets(network),
							formatVlan(network.vlan),
							network.portgroups.length > 0 ? `portgroups ${network.portgroups.map((p) => p.name).join(',')}` : '',
						]
							.filter(Boolean)
							.join(' '),
					],
				};
			}),
		),
	vms: (model) =>
		table(
			'vms',
			['Name', 'State', 'NICs', 'Interfaces (type:source(host device))'],
			model.vms.map<Row>((vm) => ({
				kind: 'vm',
				name: vm.name,
				ssh: false,
				dim: vm.state !== 'running',
				cells: [vm.name, vm.state, String(vm.interfaces.length), vmInterfaceSummary(vm)],
			})),
		),
};

const mark = (on: boolean, text: string) => (on ? `${text} ${sshMark}` : text);

export function buildTables(model: HostModel): Record<TabId, Table> {
	const ssh = sshInterfaceOf(model);
	return Object.fromEntries(tabs.map(({id}) => [id, tableBuilders[id](model, ssh)])) as Record<TabId, Table>;
}

/**
 * The same tables, one per event-loop turn: on a host with thousands of links the five together take tens of
 * milliseconds, and the UI must not freeze that long while a scan comes in.
 */
export async function buildTablesInTurns(model: HostModel): Promise<Record<TabId, Table>> {
	const ssh = sshInterfaceOf(model);
	const tables: Partial<Record<TabId, Table>> = {};
	for (const {id} of tabs) {
		tables[id] = tableBuilders[id](model, ssh);
		await nextTurn();
	}
	return tables as Record<TabId, Table>;
}

/**
 * Column widths for a screen `totalWidth` wide. When a row would not fit, the widest columns give up space first
 * (never below their heading) so that the last column keeps room for a subnet or an address: without this, the
 * Networks view at 80 columns showed "192.16…".
 */
export function widthsFor(table: Table, totalWidth: number): number[] {
	const widths = [...table.widths];
	const last = widths.length - 1;
	if (last < 1) return widths;
	const room = Math.min(widths[last]!, lastColumnRoom);
	let used = widths.slice(0, last).reduce((sum, w) => sum + w, 0) + 2 * last + room;
	while (used > totalWidth) {
		let widest = -1;
		for (let i = 0; i < last; i++) {
			if (widths[i]! > table.columns[i]!.length && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
		}
		if (widest < 0) break;
		widths[widest]!--;
		used--;
	}
	return widths;
}

/** What the last column keeps at least, when it needs it: an IPv4 subnet with its prefix, or a short IPv6 one. */
const lastColumnRoom = 18;

/** One row as text: cells padded to the table's widths, cut to the given total width. */
export function formatCells(cells: string[], widths: number[], totalWidth = Number.POSITIVE_INFINITY): string {
	const text = cells
		.map((cell, i) => {
			const width = widths[i] ?? cell.length;
			if (i === cells.length - 1) return cell;
			return cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width);
		})
		.join('  ')
		.trimEnd();
	return text.length > totalWidth ? `${text.slice(0, Math.max(0, totalWidth - 1))}…` : text;
}
