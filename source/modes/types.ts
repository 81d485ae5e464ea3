// What every mode file provides: its knowledge (for the wizard and the comparison table), whether this host can
// do it, the defaults it takes from the inventory, and what it builds from checked parameters.
import type {FieldRules, Params, ValidParams} from '../core/fields.js';
import type {HostModel, Nic} from '../core/model.js';
import type {FieldError} from '../core/plan.js';
import type {InterfaceSpec, NetworkSpec} from '../core/xml-build.js';

/** A change to the host's own network a mode needs (made into steps per network manager in plan/host-steps/). */
export type HostChange =
	/** A Linux bridge that takes over the uplink: its addresses, routes and MAC move to the bridge. */
	| {kind: 'bridge'; bridge: string; uplink: Nic}
	/** A VLAN sub-interface of `parent` enslaved to a new bridge with no address of its own. */
	| {kind: 'vlan-bridge'; parent: Nic; id: number; bridge: string}
	| {kind: 'ovs-bridge'; bridge: string; uplink?: Nic}
	/** VLAN filtering on a Linux bridge, and the VLANs its uplink carries tagged (for libvirt's <vlan>). */
	| {kind: 'bridge-vlans'; bridge: string; uplink: Nic; ids: number[]}
	| {kind: 'sriov-vfs'; pf: Nic; count: number};

export type ModeId =
	| 'nat'
	| 'bridge'
	| 'route'
	| 'isolated'
	| 'open'
	| 'macvtap-bridge'
	| 'macvtap-private'
	| 'macvtap-vepa'
	| 'macvtap-passthrough'
	| 'pci-passthrough'
	| 'sriov'
	| 'vlan'
	| 'ovs';

/** The comparison columns (the seeds' table, completed for every mode). */
export interface Comparison {
	internet: string;
	vmHost: string;
	vmLan: string;
	fromLan: string;
	performance: string;
	suits: string;
}

export interface ModeBuild {
	network?: NetworkSpec;
	/** The VM <interface> that uses the network (or the device, for PCI passthrough). */
	vmInterface: InterfaceSpec;
	hostChanges: HostChange[];
	warnings: string[];
}

export interface ModeDefinition {
	id: ModeId;
	title: string;
	/** One sentence: what it is. */
	what: string;
	useCase: string;
	example: string;
	pros: string[];
	cons: string[];
	/** What users trip over, said plainly. */
	pitfalls: string[];
	/** Hardware or software the mode needs. */
	needs: string;
	comparison: Comparison;
	/** The packet path, VM to LAN, as text lines for instructors. */
	diagram: string[];
	rules: FieldRules;
	/** Why this host cannot do the mode, or undefined when it can. */
	unavailable(host: HostModel): string | undefined;
	/** Defaults for the fields the user did not give; `given` lets one follow another (a bridge for the named uplink). */
	defaults(host: HostModel, given?: Params): Params;
	/** Checks that join several fields in a way only this mode needs (after each field passed its own checks). */
	check?(params: ValidParams, host: HostModel): FieldError[];
	build(params: ValidParams, host: HostModel): ModeBuild;
}
