// Every mode kvmnet knows, in the order the wizard and the comparison table show them.
import {bridge} from './bridge.js';
import {isolated} from './isolated.js';
import {macvtapModes} from './macvtap.js';
import {nat} from './nat.js';
import {open} from './open.js';
import {ovs} from './ovs.js';
import {pciPassthrough} from './pci-passthrough.js';
import {routed} from './routed.js';
import {sriov} from './sriov.js';
import type {ModeDefinition} from './types.js';
import {vlan} from './vlan.js';

export const modes: ModeDefinition[] = [
	nat,
	bridge,
	routed,
	isolated,
	open,
	...macvtapModes,
	pciPassthrough,
	sriov,
	vlan,
	ovs,
];

export function findMode(id: string): ModeDefinition | undefined {
	return modes.find((mode) => mode.id === id);
}
