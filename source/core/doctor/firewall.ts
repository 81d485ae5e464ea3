// The doctor's firewall and service checks: Docker's FORWARD policy and DOCKER-USER, firewalld and ufw,
// libvirt's own firewall rules, and other servers holding the DNS and DHCP ports libvirt's dnsmasq needs.
import type {HostModel} from '../model.js';
import type {PlanStep} from '../plan.js';
import {
	acceptsBridge,
	forwardPolicy,
	list,
	plural,
	vmHostBridges,
	type Check,
	type CheckResult,
	type DoctorFacts,
	type Listener,
} from './types.js';

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
		// libvirt's firewalld integration (libvirt 5.1+, firewalld 0.7+ with its nftables backend): each network's
		// bridge goes in the "libvirt" zone; with firewalld's iptables backend libvirt's own rules are all there is.
		why: 'With firewalld on its nftables backend (the default since firewalld 0.6), libvirt puts its bridges in firewalld\'s "libvirt" zone, where guests reach only DHCP, DNS, SSH and what the zone allows on the host; on the iptables backend libvirt adds its own rules, and firewall-cmd --reload removes them on libvirt older than 5.1. ufw\'s DEFAULT_FORWARD_POLICY="DROP" (its iptables FORWARD policy, also under iptables-nft) blocks routed and bridged guests.',
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

/** This group's checks, in the order they run (and show, within a status). */
/**
 * A forward-hook chain with policy drop that is not the one libvirt puts its rules in drops what libvirt lets
 * through (source/core/parse-nft.ts): NAT and routed guests lose everything beyond the host while libvirt's own
 * rules look right. This is Docker or ufw (iptables-nft's "ip filter FORWARD") under libvirt's nftables backend
 * (the default from libvirt 10.4 where built with it), or a native nftables ruleset under either backend.
 */
function forwardDropCheck(host: HostModel, facts: DoctorFacts): CheckResult {
	const base = {id: 'forward-drop', group: 'firewall' as const, title: 'Other firewalls dropping forwarded traffic'};
	const why =
		"Every firewall chain on the forward hook sees each packet, and a drop in any one is final: libvirt's accept in its own chain does not override a FORWARD DROP elsewhere (Docker's, ufw's, an nftables ruleset's), so NAT and routed guests lose the internet while libvirt's rules are all there.";
	const needing = host.networks.filter((n) => n.active && (n.mode === 'nat' || n.mode === 'route') && n.bridge);
	if (needing.length === 0) return {...base, status: 'n/a', seen: 'no active NAT or routed network', why};
	const iptablesRules = 'rules' in facts.iptables ? facts.iptables.rules : undefined;
	const backend = facts.nftTables?.some((line) => /\blibvirt_network\b/.test(line))
		? 'nftables'
		: iptablesRules?.some((r) => r.startsWith('-N LIBVIRT_'))
			? 'iptables'
			: facts.libvirtFirewallBackend;
	if (facts.nftForwardDrops === undefined && !iptablesRules)
		return {...base, status: 'n/a', seen: 'neither nft nor iptables could be read', why};
	const nftDrops = new Map((facts.nftForwardDrops ?? []).map((d) => [d.chain, d]));
	const drops = new Set(nftDrops.keys());
	// iptables-legacy's FORWARD is not in nft's list; iptables -S still shows its policy.
	if (forwardPolicy(facts) === 'DROP') drops.add('ip filter FORWARD');
	// With its iptables backend libvirt puts its own accepts at the top of that very chain.
	if (backend !== 'nftables') {
		drops.delete('ip filter FORWARD');
		drops.delete('ip6 filter FORWARD');
	}
	const accepted = (bridge: string) =>
		['FORWARD', 'DOCKER-USER'].some(
			(chain) =>
				iptablesRules?.some((r) => r.startsWith(`-A ${chain} -i ${bridge} `) && r.endsWith('-j ACCEPT')) &&
				iptablesRules?.some((r) => r.startsWith(`-A ${chain} -o ${bridge} `) && r.endsWith('-j ACCEPT')),
		);
	const bridges = needing.map((n) => n.bridge!);
	const iptablesDrop = drops.has('ip filter FORWARD') && bridges.some((b) => !accepted(b));
	// A native chain that accepts every NAT/routed bridge by name, and their replies, lets the guests out.
	const native = [...drops].filter(
		(chain) =>
			chain !== 'ip filter FORWARD' &&
			chain !== 'ip6 filter FORWARD' &&
			!bridges.every((b) => {
				const d = nftDrops.get(chain);
				return d?.acceptsFrom.includes(b) && (d.acceptsReplies || d.acceptsTo.includes(b));
			}),
	);
	const empty = native.filter((chain) => nftDrops.get(chain)?.rules === 0);
	const backendWords = `libvirt's ${backend ?? 'default'} firewall backend`;
	if (!iptablesDrop && native.length === 0)
		return {
			...base,
			status: 'pass',
			seen: `no other forward chain drops what ${backendWords} lets through for ${list(needing.map((n) => n.name))}`,
			why,
		};
	const chain = iptablesRules?.includes('-N DOCKER-USER') ? 'DOCKER-USER' : 'FORWARD';
	const missing = bridges.filter((b) => !accepted(b));
	const text = [
		iptablesDrop
			? `Let the guests' traffic through the iptables ${chain} chain: ${missing.map((b) => `iptables -I ${chain} -i ${b} -j ACCEPT; iptables -I ${chain} -o ${b} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`).join('; ')}; or set firewall_backend = "iptables" in /etc/libvirt/network.conf and restart virtnetworkd, so libvirt's accepts go into that chain itself.`
			: '',
		native.length > 0
			? `Accept the guests' bridges (${list(bridges)}) in ${list(native.map((c) => `nft chain ${c}`))}, e.g. nft insert rule ${native[0]} iifname "${bridges[0]}" accept; nft insert rule ${native[0]} oifname "${bridges[0]}" ct state established,related accept.`
			: '',
	]
		.filter(Boolean)
		.join(' ');
	return {
		...base,
		// A missing iptables accept is known, and so is an nftables chain with no rules at all; an nftables chain's
		// other rules are not analysed (a set, a jump may accept the guests): warn.
		status: iptablesDrop || empty.length > 0 ? 'fail' : 'warn',
		seen: `${[...(iptablesDrop ? [`the iptables FORWARD policy is DROP with no accept for ${list(missing)}`] : []), ...native.map((c) => `nft chain ${c} has policy drop${nftDrops.get(c)?.rules === 0 ? ' and no rules' : ' and no plain accept (iifname BRIDGE, and oifname BRIDGE or ct state established) for every NAT/routed bridge'}`)].join('; ')}, beside ${backendWords}`,
		why,
		fix: {text},
	};
}

export const firewallChecks: Check[] = [
	{id: 'docker', group: 'firewall', run: dockerCheck},
	{id: 'host-firewall', group: 'firewall', run: (host, facts) => hostFirewallCheck(facts)},
	{id: 'libvirt-firewall', group: 'firewall', run: libvirtFirewallCheck},
	{id: 'forward-drop', group: 'firewall', run: forwardDropCheck},
	{id: 'dns-dhcp-ports', group: 'firewall', run: dnsDhcpPortsCheck},
];
