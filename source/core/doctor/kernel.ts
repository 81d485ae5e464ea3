// The doctor's kernel checks: IP forwarding under NAT, routed and open networks, router-advertised IPv6 routes
// that forwarding would drop, and br_netfilter sending bridged frames through the host firewall.
import type {HostModel} from '../model.js';
import type {PlanStep} from '../plan.js';
import {
	acceptsBridge,
	forwardPolicy,
	list,
	plural,
	sysctlKeys,
	sysctlStep,
	vmHostBridges,
	type Check,
	type CheckResult,
	type DoctorFacts,
} from './types.js';

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

/** This group's checks, in the order they run (and show, within a status). */
export const kernelChecks: Check[] = [
	{id: 'forwarding', group: 'kernel', run: forwardingCheck},
	{id: 'ipv6-ra', group: 'kernel', run: routerAdvertisementCheck},
	{id: 'bridge-netfilter', group: 'kernel', run: bridgeNetfilterCheck},
];
