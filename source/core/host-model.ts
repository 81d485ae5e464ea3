// Joins what the scan gathered (links, OVS tables, libvirt objects) into one HostModel.
import type {
	Bridge,
	HostCapabilities,
	HostHeader,
	HostModel,
	LibvirtNetwork,
	Nic,
	Problem,
	Route,
	Vm,
} from './model.js';

export interface ScanParts {
	source: HostModel['source'];
	demoReason?: string;
	header: HostHeader;
	nics: Nic[];
	ovsBridges: Bridge[];
	networks: LibvirtNetwork[];
	vms: Vm[];
	routes: Route[];
	capabilities: HostCapabilities;
	problems: Problem[];
	commands: string[][];
	milliseconds: number;
}

export function assembleHost(parts: ScanParts): HostModel {
	const ovsNames = new Set(parts.ovsBridges.map((b) => b.name));
	// OVS bridges appear to the kernel as internal ports (tap devices on the userspace datapath); name them as OVS.
	const nics = parts.nics.map((nic) =>
		ovsNames.has(nic.name) && nic.kind !== 'ovs' ? {...nic, kind: 'ovs' as const} : nic,
	);
	const byName = new Map(nics.map((nic) => [nic.name, nic]));
	const portsByMaster = new Map<string, Nic[]>();
	for (const nic of nics) {
		if (!nic.master) continue;
		const list = portsByMaster.get(nic.master) ?? [];
		list.push(nic);
		portsByMaster.set(nic.master, list);
	}
	const linuxBridges: Bridge[] = nics
		.filter((nic) => nic.kind === 'bridge')
		.map((nic) => {
			const bridge: Bridge = {
				name: nic.name,
				type: 'linux',
				state: nic.state,
				addresses: nic.addresses,
				ports: (portsByMaster.get(nic.name) ?? []).map((port) =>
					port.bridgePortState ? {name: port.name, state: port.bridgePortState} : {name: port.name},
				),
			};
			if (nic.stp !== undefined) bridge.stp = nic.stp;
			return bridge;
		});
	const ovsBridges = parts.ovsBridges.map((bridge) => {
		const nic = byName.get(bridge.name);
		return nic ? {...bridge, addresses: nic.addresses, state: nic.state} : bridge;
	});
	const model: HostModel = {
		source: parts.source,
		header: parts.header,
		nics,
		bridges: [...linuxBridges, ...ovsBridges].sort((a, b) => a.name.localeCompare(b.name)),
		networks: [...parts.networks].sort((a, b) => a.name.localeCompare(b.name)),
		vms: [...parts.vms].sort((a, b) => a.name.localeCompare(b.name)),
		routes: parts.routes,
		capabilities: parts.capabilities,
		problems: parts.problems,
		scan: {commands: parts.commands, milliseconds: parts.milliseconds},
	};
	if (parts.demoReason) model.demoReason = parts.demoReason;
	return model;
}
