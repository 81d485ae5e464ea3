// What a network promises a guest, as cells the probe measures (kvmnet probe NETWORK), and how a measurement is
// judged against the promise. The promises are the comparison table's facts in checkable form, and libvirt QE's
// connectivity tests (tp-libvirt virtual_network/connectivity): nat reaches outside, the host's public and bridge
// addresses, the other guest, and the host reaches the guest; route the same, outside only with a return route on
// the LAN; isolated only the bridge address and the other guest (libvirt hands out no router there); macvtap per
// the kernel's macvlan modes (drivers/net/macvlan.c: bridge delivers between guests on the parent, private and
// vepa do not unless the switch reflects, and none reaches the host's own address on the parent).
import type {HostModel, LibvirtNetwork} from './model.js';

export const probeCheckIds = [
	'dhcp',
	'dns',
	'guest-host-bridge',
	'guest-host-public',
	'guest-guest',
	'host-guest',
	'guest-outside',
] as const;
export type ProbeCheckId = (typeof probeCheckIds)[number];

/** yes / no: what the mode promises; either: it depends on the host or the LAN; n/a: nothing to measure. */
export type Expectation = 'yes' | 'no' | 'either' | 'n/a';

export interface ProbeCell {
	id: ProbeCheckId;
	expected: Expectation;
	result: 'pass' | 'fail' | 'skip';
	/** What was measured, when it was. */
	measured?: 'yes' | 'no';
	/** The commands run and what they printed, or why the cell was skipped. */
	evidence: string;
	/** For a failed cell: the likely cause, and the doctor check that looks at it. */
	cause?: string;
}

export interface ProbeReport {
	network: string;
	mode: string;
	/** How the endpoints were attached (or why they could not be). */
	attach: string;
	/** The address guest-outside tried to reach. */
	target?: string;
	checks: ProbeCell[];
}

/** What each check means, in the words the matrix shows. */
export const probeCheckWords: Record<ProbeCheckId, string> = {
	dhcp: 'a guest gets an address by DHCP, with a router and DNS',
	dns: "a guest's name resolves through the network's DNS",
	'guest-host-bridge': "a guest reaches the host's address on the network",
	'guest-host-public': "a guest reaches the host's address on its default-route NIC",
	'guest-guest': 'a guest reaches another guest',
	'host-guest': 'the host reaches a guest',
	'guest-outside': 'a guest reaches beyond the host (--target; default the host’s gateway)',
};

type Promise = Record<ProbeCheckId, Expectation>;

const routedLike: Promise = {
	dhcp: 'yes',
	dns: 'yes',
	'guest-host-bridge': 'yes',
	'guest-host-public': 'yes',
	'guest-guest': 'yes',
	'host-guest': 'yes',
	'guest-outside': 'yes',
};
const onTheLan = (guests: Expectation, host: Expectation): Promise => ({
	dhcp: 'yes',
	// The LAN's DNS, if any, is not the network's: nothing of kvmnet's to check.
	dns: 'n/a',
	'guest-host-bridge': 'n/a',
	'guest-host-public': host,
	'guest-guest': guests,
	'host-guest': host,
	'guest-outside': 'yes',
});

/** The promise of each network mode (as the inventory classifies networks). */
export const probePromises: Record<string, Promise> = {
	nat: routedLike,
	route: routedLike,
	// No router is handed out (libvirt's isolated dnsmasq sends an empty router option): nothing off the subnet.
	isolated: {...routedLike, 'guest-host-public': 'no', 'guest-outside': 'no'},
	// libvirt adds no firewall rules for open: beyond the host, what the host's own firewall and routing allow.
	open: {...routedLike, 'guest-outside': 'either'},
	bridge: {...onTheLan('yes', 'yes'), dns: 'n/a', 'guest-host-bridge': 'either'},
	ovs: {...onTheLan('yes', 'yes'), 'guest-host-bridge': 'either'},
	'macvtap-bridge': onTheLan('yes', 'no'),
	'macvtap-private': onTheLan('no', 'no'),
	// VEPA sends everything to the switch: guests and the host meet only if it reflects frames (hairpin).
	'macvtap-vepa': onTheLan('either', 'either'),
};

/** Why a network cannot be probed with throwaway endpoints, or undefined when it can. */
export function notProbeable(network: LibvirtNetwork): string | undefined {
	if (!network.active) return `network ${network.name} is not active (virsh net-start ${network.name})`;
	if (network.mode === 'macvtap-passthrough')
		return 'macvtap passthrough gives one guest the whole NIC: a probe endpoint would take it from the host';
	if (network.mode === 'hostdev')
		return 'an SR-IOV pool hands out PCI functions to guests: a network namespace cannot take one';
	if (!probePromises[network.mode]) return `kvmnet has no probe for ${network.mode} networks`;
	return undefined;
}

/** The cell for a measurement: pass when it matches what the mode promises. */
export function judge(
	id: ProbeCheckId,
	expected: Expectation,
	measured: 'yes' | 'no' | undefined,
	evidence: string,
	cause?: string,
): ProbeCell {
	if (measured === undefined || expected === 'n/a') return {id, expected, result: 'skip', evidence};
	const pass = expected === 'either' || expected === measured;
	return {id, expected, result: pass ? 'pass' : 'fail', measured, evidence, ...(pass || !cause ? {} : {cause})};
}

/** 0 when every measured cell matches its promise, 1 when one does not, 2 when nothing could be measured. */
export function probeExitCode(report: ProbeReport): number {
	if (report.checks.every((c) => c.result === 'skip')) return 2;
	return report.checks.some((c) => c.result === 'fail') ? 1 : 0;
}

/**
 * The network to probe on this host, or why there is none: the probe needs root (it makes namespaces and links),
 * libvirt answering (its networks), and a network of that name. The CLI and the TUI say the same words.
 */
export function probeSubject(host: HostModel, name: string): {network: LibvirtNetwork} | {error: string} {
	if (host.source === 'demo')
		return {
			error: 'the demo host is not a real host: the probe measures a network on this machine or one reached over ssh',
		};
	if (!host.header.isRoot)
		return {error: 'the probe makes network namespaces and links on the host: it needs root (sudo kvmnet …)'};
	if (!host.header.libvirt.reachable)
		return {
			error: `libvirt at ${host.header.libvirt.uri} does not answer (${host.header.libvirt.error ?? 'no reply'}), so its networks are not known`,
		};
	const network = host.networks.find((n) => n.name === name);
	if (!network) {
		const names = host.networks.map((n) => n.name).join(', ') || 'none';
		return {error: `there is no network "${name}" on ${host.header.hostname} (networks: ${names})`};
	}
	return {network};
}

const expectations: readonly Expectation[] = ['yes', 'no', 'either', 'n/a'];
const results: readonly ProbeCell['result'][] = ['pass', 'fail', 'skip'];

/**
 * A probe report another machine's kvmnet sent (over ssh), as a copy holding only the report's own fields, or
 * undefined when a field is missing or of the wrong kind: it is untrusted text.
 */
export function readProbeReport(value: unknown): ProbeReport | undefined {
	if (typeof value !== 'object' || value === null) return undefined;
	const {network, mode, attach, target, checks} = value as Record<string, unknown>;
	if (typeof network !== 'string' || typeof mode !== 'string' || typeof attach !== 'string') return undefined;
	if (target !== undefined && typeof target !== 'string') return undefined;
	if (!Array.isArray(checks)) return undefined;
	const cells: ProbeCell[] = [];
	for (const cell of checks as unknown[]) {
		if (typeof cell !== 'object' || cell === null) return undefined;
		const {id, expected, result, measured, evidence, cause} = cell as Record<string, unknown>;
		if (
			!probeCheckIds.includes(id as ProbeCheckId) ||
			!expectations.includes(expected as Expectation) ||
			!results.includes(result as ProbeCell['result']) ||
			(measured !== undefined && measured !== 'yes' && measured !== 'no') ||
			typeof evidence !== 'string' ||
			(cause !== undefined && typeof cause !== 'string')
		)
			return undefined;
		cells.push({
			id: id as ProbeCheckId,
			expected: expected as Expectation,
			result: result as ProbeCell['result'],
			...(measured ? {measured} : {}),
			evidence,
			...(cause !== undefined ? {cause} : {}),
		});
	}
	return {network, mode, attach, ...(target !== undefined ? {target} : {}), checks: cells};
}
