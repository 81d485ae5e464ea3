// PCI passthrough: the VM drives a whole physical NIC itself (VFIO); no libvirt network is involved. The VM gets a
// <hostdev> device, not <interface type='hostdev'> (that form is for SR-IOV VFs only: see InterfaceSpec).
import {nicUsers} from '../core/nic-users.js';
import {defaultRouteNic} from './shared.js';
import type {ModeDefinition} from './types.js';

const noIommu =
	'this host has no IOMMU groups: enable VT-d / AMD-Vi in the firmware and boot with intel_iommu=on (Intel)';

export const pciPassthrough: ModeDefinition = {
	id: 'pci-passthrough',
	title: 'PCI passthrough (whole NIC)',
	what: 'A physical NIC is handed to one VM, whose own driver runs it; the host no longer sees it.',
	useCase: 'A VM that needs exclusive, full-speed control of a NIC.',
	example: 'A virtualised firewall that must own a dedicated network port.',
	pros: ['Native performance and every NIC feature (offloads, timestamps)', 'No host networking in the path'],
	cons: ['One VM per NIC; the host loses it', 'No live migration', 'Needs IOMMU support and a clean IOMMU group'],
	pitfalls: [
		"Needs IOMMU (VT-d / AMD-Vi) on in the firmware and the kernel; every device in the NIC's IOMMU group goes to the VM too.",
		"Never pass through the NIC that carries your SSH session or the host's only uplink.",
		"The guest needs the NIC's driver.",
		"The guest sees the NIC's own MAC address: libvirt's <hostdev> takes no <mac> (an SR-IOV VF pool does).",
	],
	needs: 'IOMMU (VT-d or AMD-Vi), vfio-pci, a spare NIC.',
	comparison: {
		internet: 'yes, via the NIC',
		vmHost: 'only through the LAN',
		vmLan: 'yes',
		fromLan: 'yes',
		performance: 'best (native)',
		suits: 'firewalls, routers, appliances',
	},
	diagram: ['VM (its own NIC driver) ═ VFIO ═ PCI NIC ─ LAN', 'host: NIC gone (bound to vfio-pci)'],
	rules: {fields: ['pci', 'vms'], uplink: 'none', bridge: 'none'},
	unavailable: (host) => {
		if (host.capabilities.iommuGroups === 0) return noIommu;
		if (!host.nics.some((n) => n.kind === 'physical' && n.busAddress))
			return 'this host has no PCI network device to pass through';
		return undefined;
	},
	defaults: (host) => {
		const ssh = host.header.ssh?.interface;
		const route = defaultRouteNic(host)?.name;
		const spare = host.nics.find(
			(n) =>
				n.kind === 'physical' && n.busAddress && n.name !== ssh && n.name !== route && nicUsers(host, n).length === 0,
		);
		return {pci: spare?.busAddress ?? ''};
	},
	check: (p) =>
		p.vms.length === 0
			? [{field: 'vms', message: 'vms: name the VM that gets the device (a passed-through NIC belongs to one VM)'}]
			: p.vms.length > 1
				? [{field: 'vms', message: 'vms: a passed-through NIC can go to one VM only'}]
				: [],
	build: (p) => ({
		vmInterface: {type: 'pci', pciAddress: p.pci!},
		hostChanges: [],
		warnings: [
			'libvirt detaches the NIC from the host (managed=yes) when the VM starts, and gives it back when the VM stops.',
		],
	}),
};
