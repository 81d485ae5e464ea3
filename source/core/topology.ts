// The path between host NICs and VMs, as a forest: each uplink NIC → the bridges, macvtaps and libvirt networks
// on it → taps → VMs; then libvirt networks with their own bridge (NAT, routed, isolated) → bridge → VMs;
// then whatever is attached to nothing (a bridge with no uplink, a VM interface whose source is missing).
import {modeLabels} from './classify.js';
import type {HostModel, LibvirtNetwork, Nic, Vm, VmInterface} from './model.js';

export type TopologyKind = 'nic' | 'bridge' | 'network' | 'port' | 'vm' | 'group';

export interface TopologyNode {
	kind: TopologyKind;
	/** The object's name (NIC, bridge, network or VM), for marking and for opening its details. */
	name: string;
	label: string;
	children: TopologyNode[];
}

const uplinkKinds = new Set<Nic['kind']>(['physical', 'wireless', 'bond']);
const lowerKinds = new Set<Nic['kind']>(['macvtap', 'macvlan', 'vlan']);

// Interface types whose source is not a network, bridge or macvtap parent say what they are.
const typeWords: Record<string, string> = {
	hostdev: 'SR-IOV VF',
	pci: 'PCI device',
	user: 'user-mode (SLIRP) networking, no host device',
	ethernet: 'unmanaged tap',
	vhostuser: 'vhost-user socket',
};

function interfaceLabel(vm: Vm, iface: VmInterface): string {
	const parts = [`VM ${vm.name}`];
	if (vm.state !== 'running') parts.push(`(${vm.state})`);
	if (iface.mac) parts.push(iface.mac);
	if (iface.model) parts.push(iface.model);
	const words = typeWords[iface.type];
	if (words)
		parts.push(
			`— ${words}${iface.source ? ` ${iface.source}` : ''}${iface.type === 'ethernet' && iface.target ? ` ${iface.target}` : ''}`,
		);
	if (iface.vlan) parts.push(`VLAN ${iface.vlan.tags.map((t) => t.id).join(',')}`);
	return parts.join(' ');
}

export function buildTopology(model: HostModel): TopologyNode[] {
	const nicByName = new Map(model.nics.map((nic) => [nic.name, nic]));
	const bridgeByName = new Map(model.bridges.map((bridge) => [bridge.name, bridge]));
	const networkByName = new Map(model.networks.map((network) => [network.name, network]));
	const networksOnBridge = new Map<string, string[]>();
	for (const network of model.networks) {
		if (network.bridge)
			networksOnBridge.set(network.bridge, [...(networksOnBridge.get(network.bridge) ?? []), network.name]);
	}
	const childrenOf = new Map<string, Nic[]>();
	for (const nic of model.nics) {
		if (nic.parent && lowerKinds.has(nic.kind)) {
			const list = childrenOf.get(nic.parent) ?? [];
			list.push(nic);
			childrenOf.set(nic.parent, list);
		}
	}
	// Where each VM interface plugs in: its running host device (vnetN, macvtapN) when it has one, else its source.
	const vmByDevice = new Map<string, TopologyNode>();
	const vmBySource = new Map<string, TopologyNode[]>();
	const placed = new Set<TopologyNode>();
	const vmNodes: TopologyNode[] = [];
	for (const vm of model.vms) {
		for (const iface of vm.interfaces) {
			const node: TopologyNode = {kind: 'vm', name: vm.name, label: interfaceLabel(vm, iface), children: []};
			vmNodes.push(node);
			if (iface.target && vm.state === 'running') vmByDevice.set(iface.target, node);
			const network = iface.type === 'network' && iface.source ? networkByName.get(iface.source) : undefined;
			const key =
				iface.type === 'network'
					? `network:${iface.source}`
					: iface.type === 'bridge'
						? `bridge:${iface.source}`
						: iface.type === 'direct'
							? `nic:${iface.source}`
							: `other:${iface.source}`;
			if (
				!(iface.target && vm.state === 'running') ||
				network?.mode.startsWith('macvtap') ||
				network?.mode === 'hostdev'
			) {
				const list = vmBySource.get(key) ?? [];
				list.push(node);
				vmBySource.set(key, list);
			}
		}
	}
	const usedBridges = new Set<string>();
	const usedNetworks = new Set<string>();
	const usedNics = new Set<string>();

	const take = (nodes: TopologyNode[] | undefined) => {
		const fresh = (nodes ?? []).filter((node) => !placed.has(node));
		for (const node of fresh) placed.add(node);
		return fresh;
	};

	const portNode = (name: string): TopologyNode => {
		usedNics.add(name);
		const nic = nicByName.get(name);
		const vm = vmByDevice.get(name);
		const children = vm && !placed.has(vm) ? take([vm]) : [];
		const detail = nic ? `${nic.kind}${nic.kindDetail ? ` ${nic.kindDetail}` : ''}, ${nic.state}` : 'port';
		return {kind: 'port', name, label: `${name} (${detail})`, children};
	};

	const bridgeNode = (name: string): TopologyNode => {
		usedBridges.add(name);
		usedNics.add(name);
		const bridge = bridgeByName.get(name);
		const children = (bridge?.ports ?? [])
			.filter((port) => !usedNics.has(port.name))
			.map((port) => portNode(port.name));
		children.push(...take(vmBySource.get(`bridge:${name}`)));
		const users = networksOnBridge.get(name);
		const label = [
			bridge ? `${bridge.type === 'ovs' ? 'OVS bridge' : 'bridge'} ${name}` : `bridge ${name} (missing on this host)`,
			users ? `— libvirt network ${users.join(', ')}` : '',
		]
			.join(' ')
			.trim();
		return {kind: 'bridge', name, label, children};
	};

	const networkNode = (network: LibvirtNetwork): TopologyNode => {
		usedNetworks.add(network.name);
		const state = network.active ? 'active' : 'inactive';
		const children: TopologyNode[] = [];
		if (network.bridge && !usedBridges.has(network.bridge)) children.push(bridgeNode(network.bridge));
		children.push(...take(vmBySource.get(`network:${network.name}`)));
		return {
			kind: 'network',
			name: network.name,
			label: `network ${network.name} (${modeLabels[network.mode]}, ${state})`,
			children,
		};
	};

	const networksOnNic = new Map<string, LibvirtNetwork[]>();
	for (const network of model.networks) {
		const devices = new Set(
			[network.forwardDev, network.pfDev, ...network.forwardInterfaces].filter((d): d is string => Boolean(d)),
		);
		for (const device of devices) {
			const list = networksOnNic.get(device) ?? [];
			list.push(network);
			networksOnNic.set(device, list);
		}
	}

	const nicNode = (nic: Nic): TopologyNode => {
		usedNics.add(nic.name);
		const children: TopologyNode[] = [];
		if (nic.master && !usedBridges.has(nic.master) && bridgeByName.has(nic.master))
			children.push(bridgeNode(nic.master));
		for (const lower of childrenOf.get(nic.name) ?? []) {
			if (usedNics.has(lower.name)) continue;
			if (lower.kind === 'vlan') children.push(nicNode(lower));
			else children.push(portNode(lower.name));
		}
		children.push(...take(vmBySource.get(`nic:${nic.name}`)));
		for (const network of networksOnNic.get(nic.name) ?? []) {
			// A bridged network's bridge already sits under the NIC; NAT/routed networks only name this NIC as their exit.
			if (usedNetworks.has(network.name)) continue;
			if (network.mode === 'nat' || network.mode === 'route' || network.mode === 'open') {
				children.push({
					kind: 'network',
					name: network.name,
					label: `network ${network.name} leaves by ${nic.name} (${modeLabels[network.mode]})`,
					children: [],
				});
			} else {
				children.push(networkNode(network));
			}
		}
		const detail = [nic.kind, nic.state, nic.speedMbps ? `${nic.speedMbps} Mb/s` : undefined]
			.filter(Boolean)
			.join(', ');
		return {kind: 'nic', name: nic.name, label: `NIC ${nic.name} (${detail})`, children};
	};

	const roots: TopologyNode[] = [];
	const isUplink = (nic: Nic) =>
		uplinkKinds.has(nic.kind) ||
		((nic.kind === 'veth' || nic.kind === 'vxlan' || nic.kind === 'vlan') &&
			(nic.master !== undefined || childrenOf.has(nic.name) || networksOnNic.has(nic.name)));
	for (const nic of model.nics) {
		if (isUplink(nic) && !usedNics.has(nic.name) && !(nic.kind === 'vlan' && nic.parent && nicByName.has(nic.parent)))
			roots.push(nicNode(nic));
	}
	// Networks whose bridge is on an uplink were drawn above; the rest (NAT, isolated…) stand on their own.
	for (const network of model.networks) {
		if (usedNetworks.has(network.name)) continue;
		if (network.bridge && usedBridges.has(network.bridge)) {
			// The bridge is drawn under its uplink: hang the network's shut-off VMs there by name only.
			usedNetworks.add(network.name);
			const extra = take(vmBySource.get(`network:${network.name}`));
			if (extra.length > 0)
				roots.push({
					kind: 'network',
					name: network.name,
					label: `network ${network.name} (${modeLabels[network.mode]}) on bridge ${network.bridge}`,
					children: extra,
				});
			continue;
		}
		roots.push(networkNode(network));
	}
	for (const bridge of model.bridges) {
		if (usedBridges.has(bridge.name)) continue;
		const node = bridgeNode(bridge.name);
		node.label += ' (no uplink)';
		roots.push(node);
	}
	const loose = vmNodes.filter((node) => !placed.has(node));
	if (loose.length > 0) {
		roots.push({
			kind: 'group',
			name: '',
			label: 'VM interfaces attached to nothing on this host',
			children: take(loose),
		});
	}
	return roots;
}

export interface TopologyRow {
	depth: number;
	/** Tree-drawing prefix, e.g. "│  ├─ ". */
	prefix: string;
	node: TopologyNode;
}

/** Flatten the forest into rows with box-drawing prefixes, for a scrolling list. */
export function topologyRows(roots: TopologyNode[]): TopologyRow[] {
	const rows: TopologyRow[] = [];
	const walk = (node: TopologyNode, depth: number, lead: string, last: boolean) => {
		rows.push({depth, prefix: depth === 0 ? '' : `${lead}${last ? '└─ ' : '├─ '}`, node});
		const nextLead = depth === 0 ? '' : `${lead}${last ? '   ' : '│  '}`;
		node.children.forEach((child, i) => walk(child, depth + 1, nextLead, i === node.children.length - 1));
	};
	for (const root of roots) walk(root, 0, '', true);
	return rows;
}
