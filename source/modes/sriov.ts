// SR-IOV: a capable NIC is split into virtual functions (VFs); libvirt hands one VF to each VM from a pool.
import type {ModeDefinition} from './types.js';
import {uniqueName} from './shared.js';

export const sriov: ModeDefinition = {
	id: 'sriov',
	title: 'SR-IOV VF pool',
	what: 'An SR-IOV NIC exposes virtual functions; each VM gets one VF as its own PCI device, switched by the NIC itself.',
	useCase: 'Many VMs needing near-native network performance on one NIC.',
	example: 'Telecom network functions (NFV) on Intel 82599 or Mellanox NICs.',
	pros: ['Near bare-metal throughput and latency', 'The NIC switches between VFs, no host CPU in the path'],
	cons: [
		'Needs special hardware and IOMMU',
		'Hard to debug; limited live migration',
		'VLAN and MAC policy live on the PF',
	],
	pitfalls: [
		'VFs are lost on reboot unless recreated at boot (the plan writes a udev rule for that).',
		'Needs IOMMU on, and a VF driver in the guest (e.g. ixgbevf, iavf, mlx5).',
		'The VF count can only change through 0: running VMs lose their VFs.',
	],
	needs: 'An SR-IOV capable NIC, IOMMU, vfio-pci.',
	comparison: {
		internet: 'yes, via the NIC',
		vmHost: 'yes, via the NIC (if the host uses the PF)',
		vmLan: 'yes',
		fromLan: 'yes',
		performance: 'near native',
		suits: 'NFV, high packet rates',
	},
	diagram: [
		'VM ═ VF (PCI device) ─┐',
		'VM ═ VF ───────────────┤ NIC embedded switch ─ PF ─ LAN',
		'host ─ PF driver ───────┘',
	],
	rules: {fields: ['name', 'uplink', 'vf-count', 'autostart', 'vms', 'mac'], uplink: 'sriov', bridge: 'none'},
	unavailable: (host) => {
		if (!host.nics.some((n) => n.sriov)) return 'this host has no SR-IOV capable NIC (no sriov_totalvfs in sysfs)';
		if (host.capabilities.iommuGroups === 0) return 'this host has no IOMMU groups: VFs cannot be given to VMs';
		return undefined;
	},
	defaults: (host) => {
		const pf = host.nics.find((n) => n.sriov);
		return {
			name: uniqueName(host, 'sriov-pool'),
			uplink: pf?.name ?? '',
			'vf-count': String(pf?.sriov ? Math.max(pf.sriov.numVfs, Math.min(4, pf.sriov.totalVfs)) : 4),
			autostart: 'yes',
		};
	},
	build: (p) => ({
		network: {name: p.name, forward: {mode: 'hostdev', managed: true, pf: p.uplink!.name}},
		vmInterface: {type: 'network', network: p.name, ...(p.mac ? {mac: p.mac} : {})},
		hostChanges: [{kind: 'sriov-vfs', pf: p.uplink!, count: p.vfCount!}],
		warnings: [],
	}),
};
