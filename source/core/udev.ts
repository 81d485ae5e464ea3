// The udev rule that recreates an SR-IOV PF's VFs at boot, shared by the SR-IOV plan and the doctor's fix.
// It matches the PF by its PCI address, not its interface name: the "add" event of a net device comes with the
// kernel's name (eth0) before udev renames it to the predictable one (enp3s0f0), so KERNEL=="enp3s0f0" never
// matches then. KERNELS== matches the event's device or any parent (udev(7)), and a net device's parent is its
// PCI function, whose address is fixed; a VF is a PCI function of its own, not a child of the PF, so the rule
// matches the PF's net device only. ATTR{device/sriov_numvfs} is then the PF's sysfs file, as in the plan's step.
import type {Nic} from './model.js';

export function vfUdevRule(pf: Pick<Nic, 'name' | 'busAddress'>, count: number): string {
	const match = pf.busAddress ? `KERNELS=="${pf.busAddress}"` : `ENV{INTERFACE}=="${pf.name}"`;
	return `ACTION=="add", SUBSYSTEM=="net", ${match}, ATTR{device/sriov_numvfs}="${count}"`;
}
