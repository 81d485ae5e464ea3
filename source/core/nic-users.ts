// What already uses a NIC: a bridge it is a port of, links stacked on it (macvtap, macvlan, VLAN), VFs a pool hands
// out. Passing the NIC through takes it from the host and cuts those off, so the pci field refuses such a NIC and
// says what uses it.
import type {HostModel, Nic} from './model.js';

/**
 * What uses `nic` on the host itself, in words: a bridge it is a port of, links stacked on it, VFs it has. (libvirt
 * networks that name it are not counted yet: the demo host's NICs all carry some, and which ones conflict with
 * passing the NIC through depends on whether their guests run.)
 */
export function nicUsers(host: HostModel, nic: Nic): string[] {
	const users: string[] = [];
	if (nic.master) users.push(`it is a port of ${nic.master}`);
	const stacked = host.nics.filter(
		(n) => n.parent === nic.name && !n.parentInOtherNamespace && ['macvtap', 'macvlan', 'vlan'].includes(n.kind),
	);
	if (stacked.length > 0)
		users.push(`${stacked.map((n) => `${n.name} (${n.kind})`).join(', ')} sit${stacked.length === 1 ? 's' : ''} on it`);
	if ((nic.sriov?.numVfs ?? 0) > 0) users.push(`it has ${nic.sriov!.numVfs} VFs`);
	return users;
}
