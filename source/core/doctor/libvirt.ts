// The doctor's libvirt checks: the networks VMs need (defined, active, started at boot; the fix starts them
// with virsh) and the libvirt version against the features the networks use.
import {virshUriFor} from '../connection.js';
import type {HostModel, Vm} from '../model.js';
import type {PlanStep} from '../plan.js';
import {list, type Check, type CheckResult} from './types.js';

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
	const virsh = (...args: string[]) => ['virsh', '-c', virshUriFor(uri), ...args];
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

/** The libvirt version a feature needs, compared with the one this host runs. */
function libvirtFeaturesCheck(host: HostModel): CheckResult {
	const base = {id: 'libvirt-features', group: 'libvirt' as const, title: 'libvirt version and the features in use'};
	const version = host.header.libvirt.version;
	const why =
		// formatnetwork, "Setting VLAN tag": before 11.0 only openvswitch, hostdev (SR-IOV VF pools) and macvtap
		// passthrough on a VF carry tags; the daemon refuses anything else at net-define (as the real libvirtd 9 does
		// in test/plan-libvirtd.test.ts: "whose type doesn't support vlan configuration").
		'<vlan> on a network backed by a plain Linux bridge needs libvirt 11.0 or later. Before that only Open vSwitch networks, SR-IOV VF pools and macvtap passthrough on a VF carry VLAN tags (not macvtap bridge, private or vepa), and libvirt refuses any other network with <vlan> when it is defined.';
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

/** This group's checks, in the order they run (and show, within a status). */
/**
 * Whether anything could be checked at all: a host whose connection failed, or whose libvirt does not answer, fails
 * here (the doctor would otherwise end "0 failed" having checked nothing). Nothing is said when both are fine.
 */
function reachCheck(host: HostModel): CheckResult[] {
	const base = {id: 'reach', group: 'libvirt' as const, title: 'Reaching the host and its libvirt'};
	const lost = host.header.remote?.why?.startsWith('host facts unavailable: ');
	const problems = [
		...(lost ? [host.header.remote!.why!] : []),
		...(host.header.libvirt.reachable
			? []
			: [
					`libvirt at ${host.header.libvirt.uri} is not reachable: ${host.header.libvirt.error ?? host.header.libvirt.timeout ?? 'no answer'}`,
				]),
	];
	if (problems.length === 0) return [];
	return [
		{
			...base,
			status: 'fail',
			seen: problems.join('; '),
			why: 'The other checks need the host’s facts and its libvirt: without them they cannot say whether VM networking works.',
			fix: {
				text: 'Start libvirt (systemctl start libvirtd), or fix the connection (the URI, the key, known_hosts), then check again.',
			},
		},
	];
}

export const libvirtChecks: Check[] = [
	{id: 'reach', group: 'libvirt', run: reachCheck},
	{id: 'networks', group: 'libvirt', run: networkChecks},
	{id: 'libvirt-features', group: 'libvirt', run: libvirtFeaturesCheck},
];
