// The doctor's device and passthrough checks: /dev/kvm, tun and vhost-net, Open vSwitch for OVS networks, and
// the IOMMU, vfio-pci and SR-IOV VFs that passthrough and VF pools need.
import type {HostModel} from '../model.js';
import type {PlanStep} from '../plan.js';
import {vfUdevRule} from '../udev.js';
import {list, plural, type Check, type CheckResult, type DoctorFacts} from './types.js';

function devicesCheck(facts: DoctorFacts): CheckResult {
	const missing = [
		!facts.devices.kvm ? '/dev/kvm' : '',
		!facts.devices.tun ? '/dev/net/tun' : '',
		!facts.devices.vhostNet ? '/dev/vhost-net' : '',
	].filter(Boolean);
	return {
		id: 'devices',
		group: 'hardware',
		title: '/dev/kvm, /dev/net/tun, /dev/vhost-net',
		status: !facts.devices.kvm || !facts.devices.tun ? 'fail' : missing.length > 0 ? 'warn' : 'pass',
		seen: missing.length > 0 ? `missing: ${list(missing)}` : 'all three present',
		why: 'Without /dev/kvm guests run emulated (tens of times slower); without /dev/net/tun libvirt cannot create taps, so no tap-based network works; without /dev/vhost-net virtio networking runs in QEMU (slower).',
		...(missing.length > 0
			? {
					fix: {
						text: `${!facts.devices.kvm ? 'Enable VT-x/AMD-V in the firmware and load kvm_intel or kvm_amd (modprobe). ' : ''}${!facts.devices.tun ? 'modprobe tun. ' : ''}${!facts.devices.vhostNet ? 'modprobe vhost_net.' : ''}`.trim(),
					},
				}
			: {}),
	};
}

function ovsCheck(host: HostModel): CheckResult {
	const base = {id: 'ovs', group: 'hardware' as const, title: 'Open vSwitch'};
	const why =
		'Networks and interfaces with <virtualport type="openvswitch"> need ovs-vswitchd and its database running: without them, guests on them cannot start.';
	const users = [
		...host.networks.filter((n) => n.mode === 'ovs').map((n) => `network ${n.name}`),
		...host.vms
			.filter((vm) => vm.interfaces.some((i) => i.virtualport === 'openvswitch' && i.type === 'bridge'))
			.map((vm) => `VM ${vm.name}`),
	];
	if (users.length === 0)
		return {...base, status: 'n/a', seen: `no OVS network or interface (OVS ${host.capabilities.ovs})`, why};
	if (host.capabilities.ovs === 'running') return {...base, status: 'pass', seen: `OVS runs for ${list(users)}`, why};
	return {
		...base,
		status: 'fail',
		seen: `${list(users)} use OVS, but OVS is ${host.capabilities.ovs === 'missing' ? 'not installed' : 'installed and not running'}`,
		why,
		fix: {
			// Debian and Ubuntu call the package and its service openvswitch-switch; Fedora and RHEL openvswitch.
			text: (() => {
				const redHat = /fedora|red hat|rhel|centos|rocky|alma/i.test(host.header.os ?? '');
				const name = redHat ? 'openvswitch' : 'openvswitch-switch';
				return host.capabilities.ovs === 'missing'
					? `${redHat ? 'dnf' : 'apt'} install ${name}`
					: `systemctl enable --now ${name}`;
			})(),
		},
	};
}

function passthroughCheck(host: HostModel, facts: DoctorFacts): CheckResult[] {
	const pools = host.networks.filter((n) => n.mode === 'hostdev');
	const hostdevVms = host.vms.filter((vm) => vm.interfaces.some((i) => i.type === 'hostdev' || i.type === 'pci'));
	const pfs = host.nics.filter((n) => (n.sriov?.totalVfs ?? 0) > 0);
	const base = {group: 'hardware' as const};
	if (pools.length === 0 && hostdevVms.length === 0 && pfs.length === 0) {
		return [
			{
				...base,
				id: 'iommu',
				title: 'PCI passthrough and SR-IOV',
				status: 'n/a',
				seen: 'no SR-IOV NIC, VF pool or passed-through NIC',
				why: 'Passthrough needs the IOMMU (VT-d/AMD-Vi) and vfio-pci.',
			},
		];
	}
	const users = [...pools.map((n) => `network ${n.name}`), ...hostdevVms.map((vm) => `VM ${vm.name}`)];
	const needed = users.length > 0;
	const results: CheckResult[] = [
		{
			...base,
			id: 'iommu',
			title: 'IOMMU groups and vfio-pci',
			status: host.capabilities.iommuGroups === 0 ? (needed ? 'fail' : 'warn') : !facts.vfio ? 'warn' : 'pass',
			seen: `${plural(host.capabilities.iommuGroups, 'IOMMU group')}; vfio-pci ${facts.vfio ? 'available' : 'not available'}${needed ? `; used by ${list(users)}` : ''}`,
			why: 'A guest can only be given a PCI device (a NIC or a VF) through the IOMMU, with the device bound to vfio-pci: without IOMMU groups, such guests fail to start.',
			...(host.capabilities.iommuGroups === 0 || !facts.vfio
				? {
						fix: {
							// amd_iommu= takes no "on" (kernel-parameters.txt: fullflush, off, force_isolation…): AMD's
							// IOMMU is on once the firmware enables it; Intel's needs intel_iommu=on on many kernels.
							text: `${host.capabilities.iommuGroups === 0 ? "Enable VT-d / AMD-Vi in the firmware; on Intel also boot with intel_iommu=on (AMD needs no parameter); iommu=pt keeps the host's own devices fast; check with dmesg | grep -i -e DMAR -e AMD-Vi. " : ''}${!facts.vfio ? 'modprobe vfio-pci (package linux-modules-extra on some kernels).' : ''}`.trim(),
						},
					}
				: {}),
		},
	];
	for (const pool of pools) {
		const pf = host.nics.find((n) => n.name === pool.pfDev);
		const id = `vfs:${pool.name}`;
		const title = `VFs for network ${pool.name}`;
		if (!pool.pfDev) continue;
		if (!pf) {
			results.push({
				...base,
				id,
				title,
				status: 'fail',
				seen: `PF ${pool.pfDev} of ${pool.name} does not exist on this host`,
				why: "A VF pool draws from its PF's virtual functions: without the PF, no guest on the pool can start.",
			});
			continue;
		}
		const numVfs = pf.sriov?.numVfs ?? 0;
		if (numVfs === 0) {
			const count = pf.sriov?.totalVfs ?? 0;
			const file = `/sys/class/net/${pf.name}/device/sriov_numvfs`;
			const steps: PlanStep[] =
				count > 0
					? [
							{
								title: `Create ${count} VFs on ${pf.name}`,
								run: ['tee', file],
								input: `${count}\n`,
								undo: ['tee', file],
								undoInput: '0\n',
								verify: {run: ['cat', file], pattern: `^${count}$`, proves: `${pf.name} has ${count} VFs`},
							},
						]
					: [];
			results.push({
				...base,
				id,
				title,
				status: 'fail',
				seen: `${pf.name} has 0 VFs (of ${pf.sriov?.totalVfs ?? 0})`,
				// bridge_driver.c: net-start of a hostdev pool whose PF has no VFs fails ("No usable Vf's present on SRIOV
				// PF", seen on the real libvirtd in test/plan-libvirtd.test.ts); once every VF is taken, the next guest's
				// start fails with "requires exclusive access to interfaces, but none are available".
				why: `The pool hands out VFs of its PF: with none, libvirt cannot start the network ("No usable Vf's present on SRIOV PF ${pf.name}"), and once every VF is in use the next guest fails to start ("… but none are available").`,
				fix: {text: `echo ${count} > ${file} (and persist it, see below)`, ...(steps.length > 0 ? {steps} : {})},
			});
			continue;
		}
		const found = facts.vfPersistence.filter((found) =>
			found.lines.some(
				(line) => line.includes(pf.name) || (pf.busAddress !== undefined && line.includes(pf.busAddress)),
			),
		);
		// A udev rule naming the PF only as KERNEL=="enp3s0f0" never runs: see source/core/udev.ts.
		const byName = `KERNEL=="${pf.name}"`;
		const late = (file: {file: string; lines: string[]}) =>
			file.file.includes('/udev/') &&
			!/^(eth|wlan|ib)\d+$/.test(pf.name) &&
			file.lines.some((line) => line.includes(byName)) &&
			!file.lines.some(
				(line) =>
					(pf.busAddress !== undefined && line.includes(pf.busAddress)) ||
					line.includes(`ENV{INTERFACE}=="${pf.name}"`),
			);
		const persisted = found.filter((file) => !late(file));
		const stale = found.filter(late);
		const rule = vfUdevRule(pf, numVfs);
		results.push({
			...base,
			id,
			title,
			status: persisted.length > 0 ? 'pass' : 'warn',
			seen: `${pf.name} has ${numVfs} VFs; ${persisted.length > 0 ? `recreated at boot by ${list(persisted.map((found) => found.file))}` : stale.length > 0 ? `${list(stale.map((found) => found.file))} names it ${byName}, which never matches at boot (the "add" event comes before the rename to ${pf.name})` : 'nothing recreates them at boot'}`,
			why: "VFs made through sysfs are gone after a reboot, and the pool's guests with them, unless a udev rule, netplan (virtual-function-count) or a unit recreates them.",
			...(persisted.length > 0 || !rule
				? {}
				: {fix: {text: `Add /etc/udev/rules.d/70-kvmnet-sriov-${pf.name}.rules: ${rule}`}}),
		});
	}
	return results;
}

/** This group's checks, in the order they run (and show, within a status). */
export const hardwareChecks: Check[] = [
	{id: 'devices', group: 'hardware', run: (host, facts) => devicesCheck(facts)},
	{id: 'ovs', group: 'hardware', run: ovsCheck},
	{id: 'iommu', group: 'hardware', run: passthroughCheck},
];
