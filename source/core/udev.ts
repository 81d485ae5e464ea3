// The udev rule that recreates an SR-IOV PF's VFs at boot, shared by the SR-IOV plan and the doctor's fix.
// It matches the PF by its PCI address, not its interface name: the "add" event of a net device comes with the
// kernel's name (eth0) before udev renames it to the predictable one (enp3s0f0), so KERNEL=="enp3s0f0" never
// matches then. KERNELS== matches the event's device or any parent (udev(7)), and a net device's parent is its
// PCI function, whose address is fixed; a VF is a PCI function of its own, not a child of the PF, so the rule
// matches the PF's net device only. ATTR{device/sriov_numvfs} is then the PF's sysfs file, as in the plan's step.
// The values come from the host (an interface may be named with quotes or commas): a rule is only made from a PCI
// address of the usual form or a plain interface name, never with what would end a udev string.
import type {Nic} from './model.js';

const pciAddress = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const plainName = /^[A-Za-z0-9_.@-]{1,15}$/;

/** The rule, or undefined when neither the PF's PCI address nor its name can be written into one safely. */
export function vfUdevRule(pf: Pick<Nic, 'name' | 'busAddress'>, count: number): string | undefined {
	const match =
		pf.busAddress && pciAddress.test(pf.busAddress)
			? `KERNELS=="${pf.busAddress}"`
			: plainName.test(pf.name)
				? `ENV{INTERFACE}=="${pf.name}"`
				: undefined;
	return match && `ACTION=="add", SUBSYSTEM=="net", ${match}, ATTR{device/sriov_numvfs}="${count}"`;
}
