// The doctor's shared vocabulary: a check's result (status, group, what was seen, why, the fix), the facts the
// host layer gathers for it, and the helpers more than one group of checks uses (sysctl steps, host bridges, the
// FORWARD policy). Pure, like the rest of the doctor.
import type {ForwardDrop} from '../parse-nft.js';
import type {HostModel} from '../model.js';
import {escapeRegExp, type PlanStep} from '../plan.js';

export type CheckStatus = 'fail' | 'warn' | 'pass' | 'n/a';

export type CheckGroup = 'libvirt' | 'kernel' | 'firewall' | 'addresses' | 'hardware';

export const groupTitles: Record<CheckGroup, string> = {
	libvirt: 'libvirt networks',
	kernel: 'kernel settings',
	firewall: 'firewall and services',
	addresses: 'addresses and uplinks',
	hardware: 'devices and passthrough',
};

export interface CheckFix {
	/** What to do, in words (and commands a person can type). */
	text: string;
	/** The same as plan steps, when kvmnet can do it (with undo). */
	steps?: PlanStep[];
}

export interface CheckResult {
	/** Stable id: "forwarding", "network:default"… */
	id: string;
	group: CheckGroup;
	title: string;
	status: CheckStatus;
	/** What was seen on this host. */
	seen: string;
	/** Why it matters (shown with warnings and failures). */
	why: string;
	fix?: CheckFix;
}

/** The one status order: failures, then warnings, passes and the checks that do not apply. */
export const statusOrder: Record<CheckStatus, number> = {fail: 0, warn: 1, pass: 2, 'n/a': 3};

/** Whether kvmnet can apply a result's fix: it has plan steps, and the check fails or warns. */
export const isFixable = (result: CheckResult): boolean =>
	Boolean(result.fix?.steps?.length) && (result.status === 'fail' || result.status === 'warn');

/**
 * One check, as data: a group file lists its checks and the registry (index.ts) runs every list. `run` gives one
 * result, or several (one per network, per VF pool), each with its own id; the results carry the check's group.
 */
export interface Check {
	id: string;
	group: CheckGroup;
	run(host: HostModel, facts: DoctorFacts): CheckResult | CheckResult[];
}

/** A socket listening on a DNS or DHCP port. */
export interface Listener {
	protocol: 'udp' | 'tcp';
	address: string;
	port: number;
	/** The owning program (comm) and whether its command line is one of libvirt's dnsmasq instances. */
	program?: string;
	pid?: number;
	libvirtDnsmasq?: boolean;
}

export interface DoctorFacts {
	/** sysctl values by name ("net.ipv4.ip_forward"); undefined where the key does not exist (br_netfilter not loaded). */
	sysctl: Record<string, string | undefined>;
	/** `iptables -S` of the filter table, or why it could not be read (not root, not installed). */
	iptables: {rules: string[]} | {error: string};
	/** `nft list tables` lines, or undefined when nft is not installed or could not run. */
	nftTables?: string[];
	/**
	 * Base chains on the forward hook whose policy is drop (`nft -j list ruleset`): nftables' own and iptables-nft's
	 * ("ip filter FORWARD") alike, with their rule counts; undefined when nft could not tell.
	 */
	nftForwardDrops?: ForwardDrop[];
	/** firewall_backend from /etc/libvirt/network.conf, when set. */
	libvirtFirewallBackend?: string;
	firewalld: boolean;
	ufw: boolean;
	docker: boolean;
	listeners: Listener[];
	devices: {kvm: boolean; tun: boolean; vhostNet: boolean};
	/** vfio-pci is loaded or available as a module. */
	vfio: boolean;
	/** Configuration that recreates SR-IOV VFs at boot: each file with its lines about VFs (udev, netplan, units). */
	vfPersistence: {file: string; lines: string[]}[];
	/**
	 * Interfaces holding IPv6 routes the kernel made from router advertisements (RTF_ADDRCONF in
	 * /proc/net/ipv6_route), with their accept_ra: what libvirt looks at before it turns IPv6 forwarding on.
	 */
	raInterfaces: {interface: string; acceptRa?: string}[];
}

export const sysctlKeys = [
	'net.ipv4.ip_forward',
	'net.ipv6.conf.all.forwarding',
	'net.ipv6.conf.all.accept_ra',
	'net.bridge.bridge-nf-call-iptables',
	'net.bridge.bridge-nf-call-ip6tables',
	'net.bridge.bridge-nf-call-arptables',
] as const;

export {plural} from '../words.js';
export const list = (names: string[]) => names.join(', ');

export function sysctlStep(key: string, value: string, previous: string | undefined): PlanStep {
	return {
		title: `Set ${key} = ${value}`,
		run: ['sysctl', '-w', `${key}=${value}`],
		...(previous !== undefined ? {undo: ['sysctl', '-w', `${key}=${previous}`]} : {}),
		verify: {run: ['sysctl', '-n', key], pattern: `^${escapeRegExp(value)}$`, proves: `${key} is ${value}`},
	};
}

/** Host bridges (not libvirt's own NAT/routed bridges) that VMs are plugged into: bridge-mode networks and type=bridge interfaces. */
export function vmHostBridges(host: HostModel): string[] {
	const bridges = new Set<string>();
	for (const network of host.networks)
		if (network.mode === 'bridge' && network.bridge && network.active) bridges.add(network.bridge);
	const libvirtBridges = new Set(host.networks.map((n) => n.bridge).filter(Boolean));
	for (const vm of host.vms) {
		for (const nic of vm.interfaces)
			if (nic.type === 'bridge' && nic.source && !libvirtBridges.has(nic.source) && nic.virtualport !== 'openvswitch')
				bridges.add(nic.source);
	}
	return [...bridges].filter((name) => host.bridges.some((b) => b.name === name && b.type === 'linux')).sort();
}

export function forwardPolicy(facts: DoctorFacts): string | undefined {
	if (!('rules' in facts.iptables)) return undefined;
	return facts.iptables.rules.find((rule) => rule.startsWith('-P FORWARD '))?.split(' ')[2];
}

/** Whether FORWARD (or Docker's DOCKER-USER) has an explicit accept for traffic across this bridge. */
export function acceptsBridge(facts: DoctorFacts, bridge: string): boolean {
	if (!('rules' in facts.iptables)) return false;
	const rules = facts.iptables.rules;
	return ['FORWARD', 'DOCKER-USER'].some((chain) => rules.includes(`-A ${chain} -i ${bridge} -o ${bridge} -j ACCEPT`));
}
