// Changes to the host's own network that some modes need before libvirt can use it, turned into plan steps for
// the tool that owns the host's configuration: one file per manager (NetworkManager, netplan, ifupdown, plain
// iproute2). Open vSwitch bridges and SR-IOV VF counts are the same commands on every host, so they are here.
import type {HostModel, NetworkManagerKind} from '../../core/model.js';
import {escapeRegExp, type PlanStep} from '../../core/plan.js';
import {vfUdevRule} from '../../core/udev.js';
import type {HostChange} from '../../modes/types.js';
import {ifupdown} from './ifupdown.js';
import {iproute2} from './iproute2.js';
import {netplan} from './netplan.js';
import {networkManager} from './networkmanager.js';
import {HostStepRefusal, type HostStepBuilder} from './shared.js';

const builders: Record<NetworkManagerKind, HostStepBuilder> = {
	networkmanager: networkManager,
	netplan,
	ifupdown,
	iproute2,
};

/** The steps for one host change, for the given network manager. */
export function hostChangeSteps(change: HostChange, host: HostModel): PlanStep[] {
	const manager = host.capabilities.networkManager.kind;
	switch (change.kind) {
		case 'bridge':
			return builders[manager].bridge(host, change.bridge, change.uplink);
		case 'vlan-bridge':
			return builders[manager].vlanBridge(change.parent, change.id, change.bridge, host);
		case 'ovs-bridge':
			// Open vSwitch keeps its own configuration database: the same commands on every host.
			return [
				{
					title: `Create Open vSwitch bridge ${change.bridge}`,
					run: ['ovs-vsctl', 'add-br', change.bridge],
					undo: ['ovs-vsctl', 'del-br', change.bridge],
					verify: {run: ['ovs-vsctl', 'br-exists', change.bridge], proves: `OVS bridge ${change.bridge} exists`},
				},
				...(change.uplink
					? [
							{
								title: `Add ${change.uplink.name} to ${change.bridge} as its uplink`,
								run: ['ovs-vsctl', 'add-port', change.bridge, change.uplink.name],
								undo: ['ovs-vsctl', 'del-port', change.bridge, change.uplink.name],
								verify: {
									run: ['ovs-vsctl', 'port-to-br', change.uplink.name],
									pattern: `^${escapeRegExp(change.bridge)}$`,
									proves: `${change.uplink.name} is a port of ${change.bridge}`,
								},
							},
						]
					: []),
			];
		case 'bridge-vlans':
			// The same commands on every host: none of the managers kvmnet writes for sets these (see the plan's warning).
			return [
				{
					title: `Turn VLAN filtering on for ${change.bridge}`,
					run: ['ip', 'link', 'set', 'dev', change.bridge, 'type', 'bridge', 'vlan_filtering', '1'],
					undo: ['ip', 'link', 'set', 'dev', change.bridge, 'type', 'bridge', 'vlan_filtering', '0'],
					verify: {
						run: ['ip', '-j', '-d', 'link', 'show', 'dev', change.bridge],
						pattern: '"vlan_filtering":1',
						proves: `${change.bridge} filters VLANs`,
					},
				},
				...change.ids.map((id): PlanStep => ({
					title: `Let ${change.uplink.name} carry VLAN ${id} tagged`,
					run: ['bridge', 'vlan', 'add', 'dev', change.uplink.name, 'vid', String(id)],
					undo: ['bridge', 'vlan', 'del', 'dev', change.uplink.name, 'vid', String(id)],
					verify: {
						run: ['bridge', '-j', 'vlan', 'show', 'dev', change.uplink.name],
						pattern: `"vlan":${id}[,}]`,
						proves: `${change.uplink.name} carries VLAN ${id}`,
					},
				})),
			];
		case 'sriov-vfs': {
			const file = `/sys/class/net/${change.pf.name}/device/sriov_numvfs`;
			const current = change.pf.sriov?.numVfs ?? 0;
			const steps: PlanStep[] = [];
			// The kernel refuses to change a non-zero VF count directly: go through 0.
			if (current > 0 && current !== change.count) {
				steps.push({
					title: `Remove the ${current} VFs of ${change.pf.name} (the count can only change through 0)`,
					run: ['tee', file],
					input: '0\n',
					undo: ['tee', file],
					undoInput: `${current}\n`,
				});
			}
			if (current !== change.count) {
				steps.push({
					title: `Create ${change.count} VFs on ${change.pf.name}`,
					run: ['tee', file],
					input: `${change.count}\n`,
					undo: ['tee', file],
					undoInput: '0\n',
					verify: {
						run: ['cat', file],
						pattern: `^${change.count}\\s*$`,
						proves: `${change.pf.name} has ${change.count} VFs`,
					},
				});
			}
			const rule = vfUdevRule(change.pf, change.count);
			if (!rule)
				throw new HostStepRefusal(
					'uplink',
					`${change.pf.name} has neither a PCI address of the usual form nor a plain name (letters, digits, _ . @ -) that a udev rule can match: kvmnet writes no rule for it`,
				);
			steps.push({
				title: `Keep ${change.count} VFs on ${change.pf.name} after reboot (udev rule)`,
				writes: [
					{
						path: `/etc/udev/rules.d/70-kvmnet-sriov-${change.pf.name}.rules`,
						content: `# written by kvmnet: recreate the VFs of ${change.pf.name} at boot (they are lost on reboot otherwise)\n${rule}\n`,
					},
				],
				run: ['udevadm', 'control', '--reload'],
				undo: ['udevadm', 'control', '--reload'],
				restoreFilesFirst: true,
			});
			return steps;
		}
	}
}
