// "Which mode fits?" from five yes/no answers: the mode closest to every answer (by what each mode gives, the
// comparison table's facts), its reason, the runner-up, and each answer it cannot meet with why. Modes this host
// cannot do are skipped, with the reason they were passed over.
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

export const questions: {key: keyof Answers; text: string; short: string}[] = [
	{key: 'reachableFromLan', text: 'Must other machines on the LAN reach the VMs directly?', short: 'LAN reach'},
	{key: 'internet', text: 'Do the VMs need the internet?', short: 'internet'},
	{key: 'isolatedFromHost', text: 'Must the VMs be kept away from the host itself?', short: 'kept from the host'},
	{key: 'maxThroughput', text: 'Is maximum throughput worth a dedicated NIC or special hardware?', short: 'throughput'},
	{key: 'vlans', text: 'Must the VMs sit on tagged VLANs?', short: 'VLANs'},
];

export interface Recommendation {
	mode: ModeId;
	reason: string;
	runnerUp?: ModeId;
	runnerUpReason?: string;
	/** Better fits this host cannot do, and why. */
	passedOver: string[];
	/** The answers the recommended mode does not meet, each with why (no mode here meets them all). */
	unmet: {answer: keyof Answers; why: string}[];
}

/**
 * What each mode gives, in the questions' terms: the comparison table's facts as yes/no (a test holds the two
 * together). apartFromHost: guests cannot reach the host's own addresses through the network; fast: a dedicated
 * NIC or VF (what the throughput question asks for).
 */
export interface Traits {
	fromLan: boolean;
	internet: boolean;
	apartFromHost: boolean;
	fast: boolean;
	vlans: boolean;
}
const lanTraits = {fromLan: true, internet: true, fast: false, vlans: false};
export const traits: Record<ModeId, Traits> = {
	nat: {fromLan: false, internet: true, apartFromHost: false, fast: false, vlans: false},
	route: {fromLan: true, internet: true, apartFromHost: false, fast: false, vlans: false},
	// Isolated guests reach the host's address on the bridge (and its services there): not apart from it.
	isolated: {fromLan: false, internet: false, apartFromHost: false, fast: false, vlans: false},
	// open promises nothing beyond the host: what the host's own firewall and routes allow.
	open: {fromLan: false, internet: false, apartFromHost: false, fast: false, vlans: false},
	bridge: {...lanTraits, apartFromHost: false},
	'macvtap-bridge': {...lanTraits, apartFromHost: true},
	'macvtap-private': {...lanTraits, apartFromHost: true},
	// Apart unless the switch reflects frames (hairpin).
	'macvtap-vepa': {...lanTraits, apartFromHost: true},
	'macvtap-passthrough': {...lanTraits, apartFromHost: true, fast: true},
	'pci-passthrough': {...lanTraits, apartFromHost: true, fast: true},
	// A VF reaches the host through the NIC when the host uses the PF.
	sriov: {...lanTraits, apartFromHost: false, fast: true, vlans: true},
	// The host has no address in the VLAN unless one is given to it.
	vlan: {...lanTraits, apartFromHost: true, vlans: true},
	ovs: {...lanTraits, apartFromHost: false, vlans: true},
};

// Ties go to the simpler mode: the order a newcomer meets them in.
const simplest: ModeId[] = [
	'isolated',
	'nat',
	'bridge',
	'macvtap-bridge',
	'macvtap-private',
	'route',
	'vlan',
	'ovs',
	'pci-passthrough',
	'sriov',
	'macvtap-passthrough',
	'macvtap-vepa',
	'open',
];

const sentences: Record<ModeId, string> = {
	nat: 'NAT gives the VMs the internet through the host while keeping them off the LAN',
	route: 'a routed subnet is reachable from the LAN once its router has a return route, and works on Wi-Fi',
	isolated: 'an isolated network lets the VMs and the host talk, and nothing else',
	open: 'an open network leaves what the VMs reach to your own firewall and routes',
	bridge: 'the VMs get LAN addresses of their own and everyone, the host included, reaches them',
	'macvtap-bridge': 'with macvtap the VMs are on the LAN and the host cannot reach them through that NIC',
	'macvtap-private': 'macvtap private puts the VMs on the LAN, apart from the host and from each other',
	'macvtap-vepa': 'macvtap VEPA sends all guest traffic to the switch, which decides what meets',
	'macvtap-passthrough': 'macvtap passthrough gives one VM a whole NIC without needing IOMMU',
	'pci-passthrough':
		'a whole NIC passed through runs at native speed, for one VM; it reaches the host only through the LAN',
	sriov: 'SR-IOV gives each VM its own virtual function: near-native speed for many VMs on one NIC',
	vlan: 'the VMs join tagged VLANs, carried by Open vSwitch, a host sub-interface or libvirt <vlan>',
	ovs: 'Open vSwitch carries VLAN tags and trunks per port',
};

/** Why `mode` does not meet `answer` (as given), on `host`. */
function unmetWhy(answer: keyof Answers, answers: Answers, mode: ModeId, host: HostModel): string {
	const given = answers[answer];
	const doable = (ids: ModeId[]) =>
		ids.filter((id) => !findMode(id)!.unavailable(host)).map((id) => findMode(id)!.title);
	const title = findMode(mode)!.title;
	switch (answer) {
		case 'reachableFromLan':
			return given
				? `${title} does not put the VMs on the LAN: its machines reach them only through the host (port forwarding or a return route)`
				: `${title} puts the VMs on the LAN, where its machines reach them: a firewall on the LAN (or in the VMs) must keep them out`;
		case 'internet':
			return given
				? `${title} gives the VMs no way out`
				: `${title} lets the VMs reach whatever the LAN's router allows, the internet included: block it there if they must not`;
		case 'isolatedFromHost': {
			const where =
				mode === 'isolated'
					? "its address on the network's bridge, and every service listening there"
					: mode === 'sriov'
						? 'through the NIC, when the host uses its PF'
						: 'through the network';
			const alone = !answers.reachableFromLan && !answers.internet;
			return `${title} leaves the host reachable from the VMs (${where})${alone ? ": no mode keeps VMs off the LAN and the internet and away from the host at once; a firewall rule on the host (an INPUT drop for the network's bridge) gets closer" : ''}`;
		}
		case 'maxThroughput': {
			const fast = doable(['sriov', 'pci-passthrough', 'macvtap-passthrough']);
			return `${title} is a software path: maximum throughput needs SR-IOV, a passed-through NIC or macvtap passthrough${fast.length === 0 ? ', none of which this host can do' : ` (this host can do ${fast.join(', ')}, which miss other answers)`}`;
		}
		case 'vlans': {
			const tagged = doable(['vlan', 'ovs', 'sriov']);
			return `${title} carries no VLAN tags: tagged VLANs need Open vSwitch, a VLAN sub-interface, SR-IOV or libvirt 11's <vlan>${tagged.length === 0 ? ', none of which this host can do' : ` (this host can do ${tagged.join(', ')}, which miss other answers)`}`;
		}
	}
}

/**
 * How far `mode` is from the answers: a hardware need it misses (throughput, VLANs) weighs 3, a reachability need
 * 2, and each thing the VMs reach that the answers said they need not (the LAN reaching them, the internet) 1.
 */
function misses(a: Answers, t: Traits): {answer: keyof Answers; weight: number}[] {
	const out: {answer: keyof Answers; weight: number}[] = [];
	if (a.maxThroughput && !t.fast) out.push({answer: 'maxThroughput', weight: 3});
	if (a.vlans && !t.vlans) out.push({answer: 'vlans', weight: 3});
	if (a.isolatedFromHost && !t.apartFromHost) out.push({answer: 'isolatedFromHost', weight: 2});
	if (a.reachableFromLan !== t.fromLan) out.push({answer: 'reachableFromLan', weight: a.reachableFromLan ? 2 : 1});
	if (a.internet !== t.internet) out.push({answer: 'internet', weight: a.internet ? 2 : 1});
	return out;
}

export function recommend(answers: Answers, host: HostModel): Recommendation {
	const scored = simplest
		.map((id) => {
			const missed = misses(answers, traits[id]);
			return {id, missed, score: missed.reduce((sum, m) => sum + m.weight, 0)};
		})
		.sort((x, y) => x.score - y.score || simplest.indexOf(x.id) - simplest.indexOf(y.id));
	const possible = scored.filter((c) => !findMode(c.id)!.unavailable(host));
	// NAT and isolated need nothing from the host, so something is always possible.
	const [first, second] = possible;
	const passedOver = scored
		.slice(0, scored.indexOf(first!))
		.filter((c) => c.score === 0 || c.score <= first!.score)
		.map((c) => `${findMode(c.id)!.title}: ${findMode(c.id)!.unavailable(host)}`);
	const reasonOf = (c: {id: ModeId; missed: unknown[]}) =>
		`${sentences[c.id]}${c.missed.length === 0 ? '; it meets every answer' : ''}`;
	const recommendation: Recommendation = {
		mode: first!.id,
		reason: reasonOf(first!),
		passedOver,
		unmet: first!.missed.map((m) => ({answer: m.answer, why: unmetWhy(m.answer, answers, first!.id, host)})),
	};
	if (second) {
		recommendation.runnerUp = second.id;
		recommendation.runnerUpReason = `${sentences[second.id]}${second.missed.length > 0 ? ` (but: ${second.missed.map((m) => questions.find((q) => q.key === m.answer)!.short).join(', ')})` : ''}`;
	}
	return recommendation;
}
