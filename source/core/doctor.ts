// The doctor: what breaks VM networking on this host, from the inventory plus a few more facts (sysctls, firewall,
// listening sockets, devices). Each check says what it saw, why it matters and the fix; where the fix is a few
// commands, it comes as plan steps with their undo, applied through the same engine as the wizard's plans.
// Pure: the host layer (host/scan-doctor.ts) gathers DoctorFacts.
import type {HostModel, LibvirtNetwork, Vm} from './model.js';
import {
	formatCidr4,
	formatCidr6,
	isLinkLocal6,
	networkOf,
	overlaps,
	overlaps6,
	parseCidr6,
	parseIpv4,
	type Cidr4,
	type Cidr6,
} from './net.js';
import {escapeRegExp, type Plan, type PlanStep} from './plan.js';

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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const list = (names: string[]) => names.join(', ');

function sysctlStep(key: string, value: string, previous: string | undefined): PlanStep {
	return {
		title: `Set ${key} = ${value}`,
		run: ['sysctl', '-w', `${key}=${value}`],
		...(previous !== undefined ? {undo: ['sysctl', '-w', `${key}=${previous}`]} : {}),
		verify: {run: ['sysctl', '-n', key], pattern: `^${escapeRegExp(value)}$`, proves: `${key} is ${value}`},
	};
}

// ---------------------------------------------------------------------------------------------------------------
// libvirt networks

/** The networks that matter: `default` and every network a VM's interface names. */
function networksInUse(host: HostModel): Map<string, Vm[]> {
	const used = new Map<string, Vm[]>([['default', []]]);
	for (const vm of host.vms) {
		for (const nic of vm.interfaces) {
			if (nic.type !== 'network' || !nic.source) continue;
			const users = used.get(nic.source) ?? [];
			if (!users.includes(vm)) users.push(vm);
			used.set(nic.source, users);
		}
	}
	return used;
}

function networkChecks(host: HostModel): CheckResult[] {
	const uri = host.header.libvirt.uri;
	if (!host.header.libvirt.reachable) {
		return [
			{
				id: 'networks',
				group: 'libvirt',
				title: 'libvirt networks',
				status: 'n/a',
				seen: `libvirt at ${uri} is not reachable: ${host.header.libvirt.error ?? 'unknown error'}`,
				why: 'Without libvirt, no network can be checked.',
			},
		];
	}
	const virsh = (...args: string[]) => ['virsh', '-c', uri, ...args];
	// The host's network names go in the option form: given positionally, a name such as `--all` is read as an option.
	const results: CheckResult[] = [];
	for (const [name, users] of networksInUse(host)) {
		const network = host.networks.find((n) => n.name === name);
		const usedBy = users.length > 0 ? ` (used by ${list(users.map((vm) => vm.name))})` : '';
		const id = `network:${name}`;
		const title = `network ${name}${usedBy}`;
		if (!network) {
			results.push({
				id,
				group: 'libvirt',
				title,
				status: users.length > 0 ? 'fail' : 'warn',
				seen: `network ${name} is not defined`,
				why:
					users.length > 0
						? `${list(users.map((vm) => vm.name))} cannot start: their interfaces name a network that does not exist.`
						: 'VMs made with virt-install or virt-manager use the network "default" unless told otherwise.',
				fix: {
					text: `Create it: press n for the wizard, pick NAT and name it ${name} (or point the VMs at another network).`,
				},
			});
			continue;
		}
		const steps: PlanStep[] = [];
		const info = virsh('net-info', '--network', name);
		if (!network.active)
			steps.push({
				title: `Start network ${name}`,
				run: virsh('net-start', '--network', name),
				undo: virsh('net-destroy', '--network', name),
				verify: {run: info, pattern: 'Active:\\s+yes', proves: `network ${name} is active`},
			});
		if (network.persistent && !network.autostart) {
			steps.push({
				title: `Start network ${name} at boot`,
				run: virsh('net-autostart', '--network', name),
				undo: virsh('net-autostart', '--network', name, '--disable'),
				verify: {run: info, pattern: 'Autostart:\\s+yes', proves: `network ${name} starts at boot`},
			});
		}
		const problems = [
			!network.active ? 'inactive' : '',
			network.persistent && !network.autostart ? 'not started at boot' : '',
		].filter(Boolean);
		results.push({
			id,
			group: 'libvirt',
			title,
			status: !network.active && users.length > 0 ? 'fail' : problems.length > 0 ? 'warn' : 'pass',
			seen:
				problems.length > 0
					? `network ${name} is ${problems.join(' and ')}`
					: network.persistent
						? `network ${name} is active and starts at boot`
						: `network ${name} is active (transient: not started at boot, gone once stopped)`,
			why: `A VM whose network is down cannot start ("network '${name}' is not active"); one not started at boot is down after every reboot. If starting fails, libvirt's own error appears in the log.`,
			...(steps.length > 0 ? {fix: {text: steps.map((s) => s.run.join(' ')).join('; '), steps}} : {}),
		});
	}
	return results;
}

// ---------------------------------------------------------------------------------------------------------------
// kernel settings

const forwardingModes = new Set(['nat', 'route', 'open']);

/** IPv6 networks that make libvirt turn IPv6 forwarding on when they start. */
const ipv6ForwardingNetworks = (host: HostModel) =>
	host.networks.filter((n) => forwardingModes.has(n.mode) && n.ips.some((ip) => ip.family === 'ipv6'));

/**
 * Interfaces whose router-advertised routes the kernel drops once IPv6 forwarding is on: accept_ra 1 (or 0 while
 * "all" is 1). Forwarding only leaves them alone with accept_ra 2. libvirt's own test, in the same words.
 */
const raRoutesAtRisk = (facts: DoctorFacts) =>
	facts.raInterfaces.filter(
		(i) => i.acceptRa === '1' || (i.acceptRa === '0' && facts.sysctl['net.ipv6.conf.all.accept_ra'] === '1'),
	);

/** sysctl's name for a per-interface key: with "/" separators when the interface name has a dot (eth0.100). */
const interfaceKey = (family: 'ipv4' | 'ipv6', name: string, key: string) =>
	name.includes('.') ? `net/${family}/conf/${name}/${key}` : `net.${family}.conf.${name}.${key}`;

const acceptRaSteps = (facts: DoctorFacts) =>
	raRoutesAtRisk(facts).map((i) => sysctlStep(interfaceKey('ipv6', i.interface, 'accept_ra'), '2', i.acceptRa));

function routerAdvertisementCheck(host: HostModel, facts: DoctorFacts): CheckResult {
	const base = {id: 'ipv6-ra', group: 'kernel' as const, title: 'IPv6 router advertisements under forwarding'};
	const why =
		'With IPv6 forwarding on, the kernel acts as a router and drops the routes it learned from router advertisements (the default route, usually) on interfaces whose accept_ra is not 2. libvirt refuses to start an IPv6 NAT, routed or open network on such a host ("Check the host setup: interface … has kernel autoconfigured IPv6 routes").';
	const networks = ipv6ForwardingNetworks(host);
	if (networks.length === 0) return {...base, status: 'n/a', seen: 'no NAT, routed or open network with IPv6', why};
	const atRisk = raRoutesAtRisk(facts);
	if (atRisk.length === 0) {
		const safe = facts.raInterfaces.map((i) => `${i.interface} (accept_ra ${i.acceptRa ?? '?'})`);
		return {
			...base,
			status: 'pass',
			seen:
				safe.length === 0
					? 'no routes from router advertisements'
					: `routes from router advertisements only on ${list(safe)}`,
			why,
		};
	}
	const steps = acceptRaSteps(facts);
	return {
		...base,
		status: 'fail',
		seen: `${list(atRisk.map((i) => `${i.interface} (accept_ra ${i.acceptRa})`))} ${atRisk.length === 1 ? 'has' : 'have'} routes from router advertisements, and ${list(networks.map((n) => n.name))} need${networks.length === 1 ? 's' : ''} IPv6 forwarding`,
		why,
		fix: {
			text: `${steps.map((s) => s.run.join(' ')).join('; ')} (to keep it after reboot, put it in /etc/sysctl.d/)`,
			steps,
		},
	};
}

function forwardingCheck(host: HostModel, facts: DoctorFacts): CheckResult {
	const forwarding = host.networks.filter((n) => n.active && forwardingModes.has(n.mode));
	const base = {id: 'forwarding', group: 'kernel' as const, title: 'IP forwarding'};
	const why =
		'NAT, routed and open networks move packets between the VMs and the LAN through the host: with forwarding off, VMs reach the host and nothing beyond it.';
	if (forwarding.length === 0) return {...base, status: 'n/a', seen: 'no active NAT, routed or open network', why};
	const steps: PlanStep[] = [];
	const seen: string[] = [];
	const ipv4 = facts.sysctl['net.ipv4.ip_forward'];
	seen.push(`net.ipv4.ip_forward = ${ipv4 ?? '?'}`);
	if (ipv4 === '0') steps.push(sysctlStep('net.ipv4.ip_forward', '1', ipv4));
	const withIpv6 = forwarding.filter((n) => n.ips.some((ip) => ip.family === 'ipv6'));
	if (withIpv6.length > 0) {
		const ipv6 = facts.sysctl['net.ipv6.conf.all.forwarding'];
		seen.push(
			`net.ipv6.conf.all.forwarding = ${ipv6 ?? '?'} (${list(withIpv6.map((n) => n.name))} ${withIpv6.length === 1 ? 'has' : 'have'} IPv6)`,
		);
		// accept_ra=2 first: forwarding would otherwise drop the routes router advertisements gave (the default route).
		if (ipv6 === '0') steps.push(...acceptRaSteps(facts), sysctlStep('net.ipv6.conf.all.forwarding', '1', ipv6));
	}
	return {
		...base,
		status: steps.length > 0 ? 'fail' : 'pass',
		seen: `${seen.join('; ')} with ${plural(forwarding.length, 'forwarding network')} active (${list(forwarding.map((n) => n.name))})`,
		why: `${why} libvirt turns it on when it starts such a network; something turned it off since (a sysctl.d file, a firewall script).`,
		...(steps.length > 0
			? {
					fix: {
						text: `${steps.map((s) => s.run.join(' ')).join('; ')} (and find what turned it off: grep -r forward /etc/sysctl.conf /etc/sysctl.d)`,
						steps,
					},
				}
			: {}),
	};
}

/** Host bridges (not libvirt's own NAT/routed bridges) that VMs are plugged into: bridge-mode networks and type=bridge interfaces. */
function vmHostBridges(host: HostModel): string[] {
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

function forwardPolicy(facts: DoctorFacts): string | undefined {
	if (!('rules' in facts.iptables)) return undefined;
	return facts.iptables.rules.find((rule) => rule.startsWith('-P FORWARD '))?.split(' ')[2];
}

/** Whether FORWARD (or Docker's DOCKER-USER) has an explicit accept for traffic across this bridge. */
function acceptsBridge(facts: DoctorFacts, bridge: string): boolean {
	if (!('rules' in facts.iptables)) return false;
	const rules = facts.iptables.rules;
	return ['FORWARD', 'DOCKER-USER'].some((chain) => rules.includes(`-A ${chain} -i ${bridge} -o ${bridge} -j ACCEPT`));
}

function bridgeNetfilterCheck(host: HostModel, facts: DoctorFacts): CheckResult {
	const keys = sysctlKeys.filter((key) => key.startsWith('net.bridge.'));
	const base = {
		id: 'bridge-netfilter',
		group: 'kernel' as const,
		title: 'bridged traffic and the host firewall (br_netfilter)',
	};
	const why =
		"With net.bridge.bridge-nf-call-* = 1, frames crossing a Linux bridge go through the host's iptables FORWARD chain: a DROP policy there (Docker sets one) silently drops bridged guests' DHCP and traffic.";
	const bridges = vmHostBridges(host);
	const on = keys.filter((key) => facts.sysctl[key] === '1');
	if (keys.every((key) => facts.sysctl[key] === undefined))
		return {...base, status: 'pass', seen: 'br_netfilter is not loaded: bridged frames bypass the firewall', why};
	if (bridges.length === 0)
		return {
			...base,
			status: 'pass',
			seen: `${on.length > 0 ? list(on.map((k) => `${k} = 1`)) : 'bridge-nf-call-* are 0'}; no VM is on a host bridge`,
			why,
		};
	if (on.length === 0) return {...base, status: 'pass', seen: `bridge-nf-call-* are 0; VMs use ${list(bridges)}`, why};
	const policy = forwardPolicy(facts);
	const accepted = bridges.filter((bridge) => acceptsBridge(facts, bridge));
	if (accepted.length === bridges.length)
		return {
			...base,
			status: 'pass',
			seen: `${list(on.map((k) => `${k} = 1`))}, and the firewall accepts traffic across ${list(bridges)}`,
			why,
		};
	const steps = on.map((key) => sysctlStep(key, '0', '1'));
	return {
		...base,
		status: policy === 'DROP' ? 'fail' : 'warn',
		seen: `${list(on.map((k) => `${k} = 1`))} while VMs use ${list(bridges)}${policy ? `; FORWARD policy is ${policy}` : ''}`,
		why,
		fix: {
			text: `${steps.map((s) => s.run.join(' ')).join('; ')} (Docker needs them on for its own containers: if Docker runs here, prefer the DOCKER-USER accept rule instead)`,
			steps: steps.map((step) => ({
				...step,
				risk: "Docker containers' port publishing relies on bridge-nf-call-iptables = 1.",
			})),
		},
	};
}

// ---------------------------------------------------------------------------------------------------------------
// firewall and services

function dockerCheck(host: HostModel, facts: DoctorFacts): CheckResult {
	const base = {id: 'docker', group: 'firewall' as const, title: 'Docker and bridged VMs'};
	const why =
		'Docker sets the FORWARD policy to DROP and only lets its own bridges through: VMs on a host bridge lose DHCP and traffic while br_netfilter sends bridged frames through iptables.';
	if (!facts.docker) return {...base, status: 'n/a', seen: 'Docker is not running', why};
	if (!('rules' in facts.iptables))
		return {...base, status: 'n/a', seen: `Docker runs, but the firewall cannot be read: ${facts.iptables.error}`, why};
	const rules = facts.iptables.rules;
	const policy = forwardPolicy(facts);
	const bridges = vmHostBridges(host);
	const filtered = facts.sysctl['net.bridge.bridge-nf-call-iptables'] === '1';
	const chain = rules.some((r) => r === '-N DOCKER-USER') ? 'DOCKER-USER' : 'FORWARD';
	// An unconditional DROP or REJECT in DOCKER-USER runs before libvirt's own chains: every VM network is cut off.
	const blanket = rules.find((r) => /^-A DOCKER-USER -j (DROP|REJECT)\b/.test(r));
	const vmBridges = [
		...new Set([
			...host.networks.filter((n) => n.active && n.bridge && n.mode !== 'ovs').map((n) => n.bridge!),
			...bridges,
		]),
	].sort();
	if (blanket && vmBridges.length > 0) {
		return {
			...base,
			status: 'fail',
			seen: `DOCKER-USER has "${blanket}", which drops VM traffic on ${list(vmBridges)} before libvirt's rules see it`,
			why: 'Docker sends all forwarded traffic through DOCKER-USER first; a rule there that drops everything also drops what libvirt would let through.',
			fix: {
				text: `Put accept rules for the VM bridges before it, e.g. ${vmBridges.map((b) => `iptables -I DOCKER-USER -i ${b} -j ACCEPT; iptables -I DOCKER-USER -o ${b} -j ACCEPT`).join('; ')}, or match the DROP to Docker's own interfaces.`,
			},
		};
	}
	const missing = bridges.filter((bridge) => !acceptsBridge(facts, bridge));
	if (policy !== 'DROP' || bridges.length === 0 || !filtered || missing.length === 0) {
		return {
			...base,
			status: 'pass',
			seen: `Docker runs; FORWARD policy ${policy ?? '?'}; ${bridges.length === 0 ? 'no VM is on a host bridge' : !filtered ? 'bridged frames bypass iptables' : `${list(bridges)} accepted in ${chain}`}`,
			why,
		};
	}
	const steps: PlanStep[] = missing.map((bridge) => {
		const rule = ['-i', bridge, '-o', bridge, '-j', 'ACCEPT'];
		return {
			title: `Let traffic across ${bridge} through Docker's firewall`,
			run: ['iptables', '-I', chain, ...rule],
			undo: ['iptables', '-D', chain, ...rule],
			verify: {run: ['iptables', '-C', chain, ...rule], proves: `${chain} accepts traffic across ${bridge}`},
		};
	});
	return {
		...base,
		status: 'fail',
		seen: `Docker runs with FORWARD policy DROP, and nothing accepts ${list(missing)} in ${chain}`,
		why,
		fix: {text: steps.map((s) => s.run.join(' ')).join('; '), steps},
	};
}

function hostFirewallCheck(facts: DoctorFacts): CheckResult {
	const active = [facts.firewalld ? 'firewalld' : '', facts.ufw ? 'ufw' : ''].filter(Boolean);
	return {
		id: 'host-firewall',
		group: 'firewall',
		title: 'firewalld / ufw',
		status: active.length > 0 ? 'warn' : 'pass',
		seen: active.length > 0 ? `${list(active)} active` : 'neither firewalld nor ufw is active',
		why: 'firewalld puts libvirt bridges in its "libvirt" zone (guests can reach only DHCP, DNS and SSH on the host) and reloading it removes libvirt\'s rules on older libvirt; ufw\'s DEFAULT_FORWARD_POLICY="DROP" blocks routed and bridged guests.',
		...(active.length > 0
			? {
					fix: {
						text: `${facts.firewalld ? 'firewalld: allow what guests need with firewall-cmd --zone=libvirt --add-service=…; after firewall-cmd --reload, restart virtnetworkd (or libvirtd) to restore its rules. ' : ''}${facts.ufw ? 'ufw: set DEFAULT_FORWARD_POLICY="ACCEPT" in /etc/default/ufw or add ufw route allow rules for the VM bridges, then ufw reload.' : ''}`.trim(),
					},
				}
			: {}),
	};
}

function libvirtFirewallCheck(host: HostModel, facts: DoctorFacts): CheckResult {
	const base = {id: 'libvirt-firewall', group: 'firewall' as const, title: "libvirt's firewall rules"};
	const why =
		"libvirt adds rules for NAT (masquerade) and for letting its networks' traffic through; a firewall restart or an iptables-restore/nft flush removes them, and guests lose the internet while everything looks up.";
	const backend = facts.libvirtFirewallBackend;
	const needing = host.networks.filter(
		(n) => n.active && (n.mode === 'nat' || n.mode === 'route' || n.mode === 'isolated') && n.ips.length > 0,
	);
	if (needing.length === 0) return {...base, status: 'n/a', seen: 'no active NAT, routed or isolated network', why};
	const nft = facts.nftTables?.some((line) => /\blibvirt_network\b/.test(line));
	const iptablesRules = 'rules' in facts.iptables ? facts.iptables.rules : undefined;
	const chains = iptablesRules?.some((r) => r === '-N LIBVIRT_FWO' || r === '-N LIBVIRT_FWX');
	const backendText = `firewall backend ${backend ?? 'the build default'}${backend ? ' (network.conf)' : ''}`;
	if (nft || chains) {
		// Guests' forwarded traffic goes through LIBVIRT_FWI/FWO/FWX: each active network's bridge must appear there.
		const forwardRules = (iptablesRules ?? []).filter((r) => r.startsWith('-A LIBVIRT_FW'));
		const missing = chains
			? needing.filter((n) => n.bridge && !forwardRules.some((r) => r.includes(` ${n.bridge} `)))
			: [];
		if (missing.length === 0)
			return {
				...base,
				status: 'pass',
				seen: `${nft ? 'nft table libvirt_network' : 'iptables chains LIBVIRT_*'} present for ${plural(needing.length, 'active network')}; ${backendText}`,
				why,
			};
		return {
			...base,
			status: 'fail',
			seen: `the LIBVIRT_* chains have no rules for ${list(missing.map((n) => `${n.name} (${n.bridge})`))}`,
			why,
			fix: {
				text: "systemctl restart virtnetworkd (or libvirtd on hosts without modular daemons): libvirt adds every active network's rules again without touching running guests.",
			},
		};
	}
	if (!iptablesRules && facts.nftTables === undefined) {
		return {
			...base,
			status: 'n/a',
			seen: `cannot read the firewall: ${'error' in facts.iptables ? facts.iptables.error : 'iptables not available'}`,
			why,
		};
	}
	return {
		...base,
		status: 'fail',
		seen: `${plural(needing.length, 'active network')} (${list(needing.map((n) => n.name))}) but neither LIBVIRT_* iptables chains nor an nft libvirt_network table; ${backendText}`,
		why,
		fix: {
			text: "systemctl restart virtnetworkd (or libvirtd on hosts without modular daemons): libvirt adds every active network's rules again without touching running guests.",
		},
	};
}

const isWildcard = (address: string) => address === '0.0.0.0' || address === '::';

function dnsDhcpPortsCheck(host: HostModel, facts: DoctorFacts): CheckResult {
	const base = {id: 'dns-dhcp-ports', group: 'firewall' as const, title: 'DNS and DHCP ports (53, 67)'};
	const why =
		'libvirt starts a dnsmasq per network for DHCP and DNS on the network\'s own address; another server bound to every address (0.0.0.0 or ::) on port 53 or 67 takes those packets, and the network fails to start ("Address already in use") or guests get no lease.';
	const blockers = facts.listeners.filter(
		(l) => isWildcard(l.address) && !l.libvirtDnsmasq && (l.port === 53 || (l.port === 67 && l.protocol === 'udp')),
	);
	const served = host.networks.filter(
		(n) => n.ips.length > 0 && n.mode !== 'bridge' && !n.mode.startsWith('macvtap') && n.mode !== 'hostdev',
	);
	const describe = (l: Listener) =>
		`${l.program ?? 'a process'}${l.pid ? ` (pid ${l.pid})` : ''} on ${l.protocol} ${l.address === '::' ? '[::]' : l.address}:${l.port}`;
	if (blockers.length === 0) {
		const others = facts.listeners.filter((l) => !l.libvirtDnsmasq);
		return {
			...base,
			status: 'pass',
			seen:
				others.length > 0
					? `only bound to specific addresses: ${list(others.map(describe))}`
					: "nothing but libvirt's dnsmasq listens on 53 or 67",
			why,
		};
	}
	// Without root, other users' sockets have no known owner: libvirt's own dnsmasq (bound to 0.0.0.0:67 for DHCP)
	// cannot be told from a stranger, so that is a warning only.
	const known = blockers.filter((l) => l.program !== undefined);
	if (known.length === 0) {
		return {
			...base,
			status: 'warn',
			seen: `${list(blockers.map(describe))}: cannot tell which program (run as root to see)`,
			why,
		};
	}
	return {
		...base,
		status: served.length > 0 ? 'fail' : 'warn',
		seen: `${list(known.map(describe))}${served.length > 0 ? `, while ${list(served.map((n) => n.name))} need DNS/DHCP from libvirt` : ''}`,
		why,
		fix: {
			text: `Make ${list([...new Set(blockers.map((l) => l.program ?? 'it'))])} listen only on the addresses it serves (dnsmasq: bind-interfaces plus interface=/listen-address=, or except-interface=virbr*; bind9: listen-on), then restart it and the libvirt networks.`,
		},
	};
}

// ---------------------------------------------------------------------------------------------------------------
// addresses and uplinks

function subnetOverlapCheck(host: HostModel): CheckResult {
	const base = {id: 'subnets', group: 'addresses' as const, title: 'subnet overlaps'};
	const why =
		"Two places with the same subnet make the host route one of them wrong: a libvirt network on the LAN's own subnet (the host itself on 192.168.122.0/24, say) cuts the host or the guests off from that LAN.";
	interface Place {
		cidr: {v4: Cidr4} | {v6: Cidr6};
		what: string;
		/** The link the subnet lives on: a network's own bridge is not an overlap with itself. */
		dev?: string;
		network?: LibvirtNetwork;
	}
	const cidrOf = (family: 'ipv4' | 'ipv6', address: string, prefix: number): Place['cidr'] | undefined => {
		if (family === 'ipv6') {
			const v6 = parseCidr6(`${address}/${prefix}`);
			return v6 && !isLinkLocal6(v6) ? {v6} : undefined;
		}
		const value = parseIpv4(address);
		return value === undefined ? undefined : {v4: {network: networkOf(value, prefix), prefix}};
	};
	const text = (cidr: Place['cidr']) => ('v4' in cidr ? formatCidr4(cidr.v4) : formatCidr6(cidr.v6));
	const places: Place[] = [];
	for (const network of host.networks) {
		for (const ip of network.ips) {
			const cidr = cidrOf(ip.family, ip.address, ip.prefix);
			if (cidr)
				places.push({
					cidr,
					what: `network ${network.name} (${text(cidr)}${network.active ? '' : ', inactive'})`,
					...(network.bridge ? {dev: network.bridge} : {}),
					network,
				});
		}
	}
	const libvirtBridges = new Set(host.networks.map((n) => n.bridge).filter(Boolean));
	for (const nic of host.nics) {
		if (nic.kind === 'loopback' || libvirtBridges.has(nic.name)) continue;
		for (const address of nic.addresses) {
			const cidr = cidrOf(address.family, address.address, address.prefix);
			if (cidr) places.push({cidr, what: `${address.address}/${address.prefix} on ${nic.name}`, dev: nic.name});
		}
	}
	const overlapping = (a: Place['cidr'], b: Place['cidr']) =>
		'v4' in a && 'v4' in b ? overlaps(a.v4, b.v4) : 'v6' in a && 'v6' in b ? overlaps6(a.v6, b.v6) : false;
	const clashes: {a: Place; b: Place; active: boolean}[] = [];
	for (let i = 0; i < places.length; i++) {
		for (let j = i + 1; j < places.length; j++) {
			const a = places[i]!;
			const b = places[j]!;
			if (!a.network && !b.network) continue;
			if (a.network && a.network === b.network) continue;
			if (a.dev && a.dev === b.dev) continue;
			if (overlapping(a.cidr, b.cidr))
				clashes.push({a, b, active: (a.network?.active ?? true) && (b.network?.active ?? true)});
		}
	}
	if (clashes.length === 0)
		return {
			...base,
			status: 'pass',
			seen: `${plural(places.filter((p) => p.network).length, 'libvirt subnet')}, none overlapping another network or a host address`,
			why,
		};
	return {
		...base,
		status: clashes.some((c) => c.active) ? 'fail' : 'warn',
		seen: clashes.map((c) => `${c.a.what} overlaps ${c.b.what}`).join('; '),
		why,
		fix: {
			text: 'Give the libvirt network a free subnet: virsh net-edit NAME (change <ip address=… >), then net-destroy and net-start it; the wizard (n) proposes a free one.',
		},
	};
}

function wifiCheck(host: HostModel): CheckResult {
	const base = {id: 'wifi', group: 'addresses' as const, title: 'bridges and macvtap on Wi-Fi'};
	const why =
		'A Wi-Fi client link only accepts frames with its own MAC (802.11 without 4-address mode): a bridge or macvtap on it gives guests no traffic. Use NAT or routed on Wi-Fi.';
	const wireless = new Set(host.nics.filter((n) => n.wireless).map((n) => n.name));
	if (wireless.size === 0) return {...base, status: 'n/a', seen: 'no Wi-Fi interface', why};
	const found: string[] = [];
	for (const bridge of host.bridges)
		for (const port of bridge.ports)
			if (wireless.has(port.name)) found.push(`bridge ${bridge.name} has Wi-Fi port ${port.name}`);
	for (const network of host.networks) {
		const devs = [network.forwardDev, ...network.forwardInterfaces].filter((d): d is string => Boolean(d));
		if (network.mode.startsWith('macvtap') && devs.some((d) => wireless.has(d)))
			found.push(`network ${network.name} puts macvtap on ${list(devs.filter((d) => wireless.has(d)))}`);
	}
	for (const vm of host.vms)
		for (const nic of vm.interfaces)
			if (nic.type === 'direct' && nic.source && wireless.has(nic.source))
				found.push(`VM ${vm.name} has macvtap on ${nic.source}`);
	return {
		...base,
		status: found.length > 0 ? 'fail' : 'pass',
		seen: found.length > 0 ? found.join('; ') : `Wi-Fi ${list([...wireless])} is not bridged or under macvtap`,
		why,
		...(found.length > 0
			? {fix: {text: 'Move these guests to a NAT or routed network (wizard: n), or bridge a wired NIC instead.'}}
			: {}),
	};
}

function macvtapHostCheck(host: HostModel): CheckResult {
	const base = {id: 'macvtap-host', group: 'addresses' as const, title: 'macvtap guests and the host'};
	const why =
		'A macvtap guest and its host cannot talk to each other through the parent NIC (the NIC sends frames out, never back up): guests reach the LAN but not the host.';
	const direct = (vm: Vm) =>
		vm.interfaces.length > 0 &&
		vm.interfaces.every(
			(nic) =>
				nic.type === 'direct' ||
				(nic.type === 'network' && host.networks.find((n) => n.name === nic.source)?.mode.startsWith('macvtap')),
		);
	const users = host.vms.filter((vm) =>
		vm.interfaces.some(
			(nic) =>
				nic.type === 'direct' ||
				(nic.type === 'network' && host.networks.find((n) => n.name === nic.source)?.mode.startsWith('macvtap')),
		),
	);
	if (users.length === 0) return {...base, status: 'n/a', seen: 'no VM uses macvtap', why};
	const only = users.filter(direct);
	return {
		...base,
		status: only.length > 0 ? 'warn' : 'pass',
		seen:
			only.length > 0
				? `${list(only.map((vm) => vm.name))} ${only.length === 1 ? 'has' : 'have'} only macvtap interfaces: ${only.length === 1 ? 'it cannot' : 'they cannot'} reach this host`
				: `${list(users.map((vm) => vm.name))} also ${users.length === 1 ? 'has' : 'have'} a non-macvtap interface to reach the host`,
		why,
		...(only.length > 0
			? {
					fix: {
						text: 'If they must reach the host, add a second interface on an isolated or NAT network, or use a bridge instead of macvtap.',
					},
				}
			: {}),
	};
}

// ---------------------------------------------------------------------------------------------------------------
// devices and passthrough

function devicesCheck(facts: DoctorFacts): CheckResult {
	const missing = [
		!facts.devices.kvm ? '/dev/kvm' : '',
		!facts.devices.tun ? '/dev/net/tun' : '',
		!facts.devices.vhostNet ? '/dev/vhost-net' : '',
	].filter(Boolean);
	return {
		id: 'devices',
		group: 'hardware',
		title: '/dev/kvm, /dev/net/tun, /dev/vhost-net',
		status: !facts.devices.kvm || !facts.devices.tun ? 'fail' : missing.length > 0 ? 'warn' : 'pass',
		seen: missing.length > 0 ? `missing: ${list(missing)}` : 'all three present',
		why: 'Without /dev/kvm guests run emulated (tens of times slower); without /dev/net/tun libvirt cannot create taps, so no tap-based network works; without /dev/vhost-net virtio networking runs in QEMU (slower).',
		...(missing.length > 0
			? {
					fix: {
						text: `${!facts.devices.kvm ? 'Enable VT-x/AMD-V in the firmware and load kvm_intel or kvm_amd (modprobe). ' : ''}${!facts.devices.tun ? 'modprobe tun. ' : ''}${!facts.devices.vhostNet ? 'modprobe vhost_net.' : ''}`.trim(),
					},
				}
			: {}),
	};
}

function ovsCheck(host: HostModel): CheckResult {
	const base = {id: 'ovs', group: 'hardware' as const, title: 'Open vSwitch'};
	const why =
		'Networks and interfaces with <virtualport type="openvswitch"> need ovs-vswitchd and its database running: without them, guests on them cannot start.';
	const users = [
		...host.networks.filter((n) => n.mode === 'ovs').map((n) => `network ${n.name}`),
		...host.vms
			.filter((vm) => vm.interfaces.some((i) => i.virtualport === 'openvswitch' && i.type === 'bridge'))
			.map((vm) => `VM ${vm.name}`),
	];
	if (users.length === 0)
		return {...base, status: 'n/a', seen: `no OVS network or interface (OVS ${host.capabilities.ovs})`, why};
	if (host.capabilities.ovs === 'running') return {...base, status: 'pass', seen: `OVS runs for ${list(users)}`, why};
	return {
		...base,
		status: 'fail',
		seen: `${list(users)} use OVS, but OVS is ${host.capabilities.ovs === 'missing' ? 'not installed' : 'installed and not running'}`,
		why,
		fix: {
			text:
				host.capabilities.ovs === 'missing'
					? 'apt install openvswitch-switch'
					: 'systemctl enable --now openvswitch-switch',
		},
	};
}

function passthroughCheck(host: HostModel, facts: DoctorFacts): CheckResult[] {
	const pools = host.networks.filter((n) => n.mode === 'hostdev');
	const hostdevVms = host.vms.filter((vm) => vm.interfaces.some((i) => i.type === 'hostdev'));
	const pfs = host.nics.filter((n) => (n.sriov?.totalVfs ?? 0) > 0);
	const base = {group: 'hardware' as const};
	if (pools.length === 0 && hostdevVms.length === 0 && pfs.length === 0) {
		return [
			{
				...base,
				id: 'iommu',
				title: 'PCI passthrough and SR-IOV',
				status: 'n/a',
				seen: 'no SR-IOV NIC, VF pool or passed-through NIC',
				why: 'Passthrough needs the IOMMU (VT-d/AMD-Vi) and vfio-pci.',
			},
		];
	}
	const users = [...pools.map((n) => `network ${n.name}`), ...hostdevVms.map((vm) => `VM ${vm.name}`)];
	const needed = users.length > 0;
	const results: CheckResult[] = [
		{
			...base,
			id: 'iommu',
			title: 'IOMMU groups and vfio-pci',
			status: host.capabilities.iommuGroups === 0 ? (needed ? 'fail' : 'warn') : !facts.vfio ? 'warn' : 'pass',
			seen: `${plural(host.capabilities.iommuGroups, 'IOMMU group')}; vfio-pci ${facts.vfio ? 'available' : 'not available'}${needed ? `; used by ${list(users)}` : ''}`,
			why: 'A guest can only be given a PCI device (a NIC or a VF) through the IOMMU, with the device bound to vfio-pci: without IOMMU groups, such guests fail to start.',
			...(host.capabilities.iommuGroups === 0 || !facts.vfio
				? {
						fix: {
							text: `${host.capabilities.iommuGroups === 0 ? 'Enable VT-d / AMD-Vi in the firmware and boot with intel_iommu=on (Intel) or amd_iommu=on, iommu=pt. ' : ''}${!facts.vfio ? 'modprobe vfio-pci (package linux-modules-extra on some kernels).' : ''}`.trim(),
						},
					}
				: {}),
		},
	];
	for (const pool of pools) {
		const pf = host.nics.find((n) => n.name === pool.pfDev);
		const id = `vfs:${pool.name}`;
		const title = `VFs for network ${pool.name}`;
		if (!pool.pfDev) continue;
		if (!pf) {
			results.push({
				...base,
				id,
				title,
				status: 'fail',
				seen: `PF ${pool.pfDev} of ${pool.name} does not exist on this host`,
				why: "A VF pool draws from its PF's virtual functions: without the PF, no guest on the pool can start.",
			});
			continue;
		}
		const numVfs = pf.sriov?.numVfs ?? 0;
		if (numVfs === 0) {
			const count = pf.sriov?.totalVfs ?? 0;
			const file = `/sys/class/net/${pf.name}/device/sriov_numvfs`;
			const steps: PlanStep[] =
				count > 0
					? [
							{
								title: `Create ${count} VFs on ${pf.name}`,
								run: ['tee', file],
								input: `${count}\n`,
								undo: ['tee', file],
								undoInput: '0\n',
								verify: {run: ['cat', file], pattern: `^${count}$`, proves: `${pf.name} has ${count} VFs`},
							},
						]
					: [];
			results.push({
				...base,
				id,
				title,
				status: 'fail',
				seen: `${pf.name} has 0 VFs (of ${pf.sriov?.totalVfs ?? 0})`,
				why: 'The pool hands out VFs of its PF; with none created, guests on it fail with "no free interface".',
				fix: {text: `echo ${count} > ${file} (and persist it, see below)`, ...(steps.length > 0 ? {steps} : {})},
			});
			continue;
		}
		const persisted = facts.vfPersistence.filter((found) => found.lines.some((line) => line.includes(pf.name)));
		results.push({
			...base,
			id,
			title,
			status: persisted.length > 0 ? 'pass' : 'warn',
			seen: `${pf.name} has ${numVfs} VFs; ${persisted.length > 0 ? `recreated at boot by ${list(persisted.map((found) => found.file))}` : 'nothing recreates them at boot'}`,
			why: "VFs made through sysfs are gone after a reboot, and the pool's guests with them, unless a udev rule, netplan (virtual-function-count) or a unit recreates them.",
			...(persisted.length > 0
				? {}
				: {
						fix: {
							text: `Add /etc/udev/rules.d/70-kvmnet-sriov-${pf.name}.rules: ACTION=="add", SUBSYSTEM=="net", KERNEL=="${pf.name}", ATTR{device/sriov_numvfs}="${numVfs}"`,
						},
					}),
		});
	}
	return results;
}

/** The libvirt version a feature needs, compared with the one this host runs. */
function libvirtFeaturesCheck(host: HostModel): CheckResult {
	const base = {id: 'libvirt-features', group: 'libvirt' as const, title: 'libvirt version and the features in use'};
	const version = host.header.libvirt.version;
	const why =
		'<vlan> on a network backed by a plain Linux bridge needs libvirt 11.0 or later (before that only OVS, macvtap and hostdev networks carry VLAN tags): older versions refuse to start such a network.';
	const bridgeVlans = host.networks.filter(
		(n) => (n.vlan || n.portgroups.some((p) => p.vlan)) && n.mode === 'bridge' && n.virtualport !== 'openvswitch',
	);
	if (!version) return {...base, status: 'n/a', seen: 'the libvirt version is unknown', why};
	const major = Number(version.split('.')[0]);
	if (bridgeVlans.length === 0)
		return {...base, status: 'pass', seen: `libvirt ${version}; no feature in use needs a newer one`, why};
	if (major >= 11)
		return {
			...base,
			status: 'pass',
			seen: `libvirt ${version} supports <vlan> on ${list(bridgeVlans.map((n) => n.name))}`,
			why,
		};
	return {
		...base,
		status: 'fail',
		seen: `libvirt ${version}, and ${list(bridgeVlans.map((n) => n.name))} ${bridgeVlans.length === 1 ? 'uses' : 'use'} <vlan> on a Linux bridge`,
		why,
		fix: {
			text: 'Upgrade libvirt to 11.0+, or carry the VLAN on the host (a VLAN sub-interface enslaved to its own bridge), or use Open vSwitch.',
		},
	};
}

// ---------------------------------------------------------------------------------------------------------------

const order: Record<CheckStatus, number> = {fail: 0, warn: 1, pass: 2, 'n/a': 3};

/** Every check, failures first, then warnings, passes and the ones that do not apply. */
export function runChecks(host: HostModel, facts: DoctorFacts): CheckResult[] {
	const results = [
		...networkChecks(host),
		libvirtFeaturesCheck(host),
		forwardingCheck(host, facts),
		routerAdvertisementCheck(host, facts),
		bridgeNetfilterCheck(host, facts),
		dockerCheck(host, facts),
		hostFirewallCheck(facts),
		libvirtFirewallCheck(host, facts),
		dnsDhcpPortsCheck(host, facts),
		subnetOverlapCheck(host),
		wifiCheck(host),
		macvtapHostCheck(host),
		devicesCheck(facts),
		ovsCheck(host),
		...passthroughCheck(host, facts),
	];
	return results
		.map((r, i) => ({r, i}))
		.sort((a, b) => order[a.r.status] - order[b.r.status] || a.i - b.i)
		.map(({r}) => r);
}

/** A check's status as words: "the check forwarding passes". */
export const statusWords: Record<CheckStatus, string> = {
	fail: 'fails',
	warn: 'warns',
	pass: 'passes',
	'n/a': 'does not apply here',
};

/** 0 when everything passes (or does not apply), 1 with warnings, 2 with failures. */
export function doctorExitCode(results: CheckResult[]): 0 | 1 | 2 {
	if (results.some((r) => r.status === 'fail')) return 2;
	return results.some((r) => r.status === 'warn') ? 1 : 0;
}

/** A check's fix as a plan the apply engine runs (and undoes), like the wizard's. */
export function fixPlan(host: HostModel, result: CheckResult, directory: string): Plan | undefined {
	if (!result.fix?.steps?.length) return undefined;
	return {
		version: 1,
		mode: 'doctor',
		params: {check: result.id, name: result.id},
		uri: host.header.libvirt.uri,
		manager: {kind: host.capabilities.networkManager.kind, reason: host.capabilities.networkManager.reason},
		directory,
		interfaceXml: '',
		steps: result.fix.steps,
		warnings: [],
	};
}

export const isDoctorPlan = (plan: Plan) => plan.mode === 'doctor';
