// "Which mode fits?" from five yes/no answers: a recommendation with its reason, and the runner-up. Modes this
// host cannot do are skipped, with the reason they were passed over.
import {findMode} from '../modes/catalog.js';
import type {ModeId} from '../modes/types.js';
import type {HostModel} from '../core/model.js';

export interface Answers {
	/** Must other machines on the LAN reach the VMs directly? */
	reachableFromLan: boolean;
	/** Do the VMs need the internet? */
	internet: boolean;
	/** Must the VMs be kept away from the host itself? */
	isolatedFromHost: boolean;
	/** Is maximum throughput worth a dedicated NIC or special hardware? */
	maxThroughput: boolean;
	/** Do the VMs need to sit on tagged VLANs? */
	vlans: boolean;
}

export const questions: {key: keyof Answers; text: string}[] = [
	{key: 'reachableFromLan', text: 'Must other machines on the LAN reach the VMs directly?'},
	{key: 'internet', text: 'Do the VMs need the internet?'},
	{key: 'isolatedFromHost', text: 'Must the VMs be kept away from the host itself?'},
	{key: 'maxThroughput', text: 'Is maximum throughput worth a dedicated NIC or special hardware?'},
	{key: 'vlans', text: 'Must the VMs sit on tagged VLANs?'},
];

export interface Recommendation {
	mode: ModeId;
	reason: string;
	runnerUp?: ModeId;
	runnerUpReason?: string;
	/** Better fits this host cannot do, and why. */
	passedOver: string[];
}

type Candidate = [ModeId, string];

/** The candidates for the answers, best first; the first two this host can do win. */
function candidates(a: Answers): Candidate[] {
	if (a.vlans) {
		return [
			[
				'vlan',
				'the VMs need tagged VLANs; kvmnet picks Open vSwitch, a host sub-interface or libvirt <vlan> to carry them',
			],
			['ovs', 'Open vSwitch carries VLAN tags and trunks per port'],
			['bridge', 'a plain bridge on a switch port set to the VLAN (untagged) gives one VLAN'],
		];
	}
	if (a.maxThroughput) {
		return [
			['sriov', 'SR-IOV gives each VM its own virtual function: near-native speed for many VMs on one NIC'],
			['pci-passthrough', 'a whole NIC passed through runs at native speed, for one VM'],
			['macvtap-passthrough', 'macvtap passthrough gives one VM a whole NIC without needing IOMMU'],
			['macvtap-bridge', 'macvtap skips the host bridge and is the fastest software path to the LAN'],
			['bridge', 'a host bridge is fast and simple'],
		];
	}
	if (a.reachableFromLan) {
		if (a.isolatedFromHost) {
			return [
				['macvtap-bridge', 'with macvtap the VMs are on the LAN and the host cannot reach them through that NIC'],
				['macvtap-private', 'macvtap private also keeps the VMs from reaching each other'],
				['pci-passthrough', 'a passed-through NIC leaves the host: the VM reaches the host only through the LAN'],
			];
		}
		return [
			['bridge', 'the VMs get LAN addresses of their own and everyone, the host included, reaches them'],
			[
				'macvtap-bridge',
				'macvtap puts the VMs on the LAN without building a host bridge (but the host cannot reach them)',
			],
			['route', 'a routed subnet is reachable from the LAN once the router has a return route, and works on Wi-Fi'],
		];
	}
	if (a.internet) {
		return [
			['nat', 'NAT gives the VMs the internet through the host while keeping them off the LAN'],
			['route', 'routed works too, if the LAN router gets a return route'],
		];
	}
	if (a.isolatedFromHost) {
		return [
			['macvtap-private', 'the VMs share nothing with the host; the LAN they reach is only the one behind the NIC'],
			['isolated', 'an isolated network has no way out; give the host no address in it to keep it away from them too'],
		];
	}
	return [
		['isolated', 'no internet and no LAN: an isolated network lets the VMs and the host talk, and nothing else'],
		['nat', 'NAT if the VMs later need updates from the internet'],
	];
}

export function recommend(answers: Answers, host: HostModel): Recommendation {
	const passedOver: string[] = [];
	const possible: Candidate[] = [];
	for (const [id, reason] of candidates(answers)) {
		const why = findMode(id)!.unavailable(host);
		if (why) passedOver.push(`${findMode(id)!.title}: ${why}`);
		else possible.push([id, reason]);
	}
	// NAT and isolated need nothing from the host: the last resort when every better fit is impossible here.
	if (possible.length === 0)
		possible.push(
			answers.internet
				? ['nat', 'nothing better fits this host; NAT works everywhere']
				: ['isolated', 'nothing better fits this host'],
		);
	const [first, second] = possible;
	const recommendation: Recommendation = {mode: first![0], reason: first![1], passedOver};
	if (second) {
		recommendation.runnerUp = second[0];
		recommendation.runnerUpReason = second[1];
	}
	return recommendation;
}
