// kvmnet probe: proves what a network lets a guest reach, by attaching two throwaway endpoints the way a VM
// attaches (a namespace with a veth on the network's bridge, a port on its OVS bridge, or a macvlan in the
// network's macvtap mode on the same parent) and measuring from them. Everything it makes is named
// kvmnet-probe-PID-a/b (namespaces) and kvpPIDa/b (host ends), removed at the end and, when a probe was killed,
// swept at the next start. It changes nothing else on the host. Every command is argv through the runner.
import type {HostModel, LibvirtNetwork} from '../core/model.js';
import {
	judge,
	notProbeable,
	probeCheckIds,
	probePromises,
	type Expectation,
	type ProbeCell,
	type ProbeCheckId,
	type ProbeReport,
} from '../core/probe.js';
import {formatIpv4, networkOf, parseIpv4, prefixFromNetmask} from '../core/net.js';
import {describeFailure, type RunResult, type Runner} from './runner.js';

/** udhcpc runs its -s program at each DHCP event, the lease in its environment; this one only prints it. */
const leaseScript = `#!/bin/sh
# written by kvmnet probe: udhcpc runs this at each DHCP event. It prints the lease for kvmnet and configures
# nothing (kvmnet adds the address itself); the values are only ever printed, never run.
[ "$1" = bound ] || exit 0
printf 'kvmnet-lease ip=%s mask=%s router=%s dns=%s\\n' "$ip" "$mask" "$router" "$dns"
`;

interface Endpoint {
	label: 'a' | 'b';
	namespace: string;
	/** The host end: a veth peer or, for macvtap, the macvlan's name before it moves into the namespace. */
	hostEnd: string;
	hostname: string;
	address?: string;
	prefix?: number;
	router?: string;
	dns?: string;
}

export interface ProbeOptions {
	target?: string;
	/** Called with each command before it runs, for a live log. */
	onCommand?: (argv: string[]) => void;
	/** Set when the user asked to stop: the probe cleans up and ends before its next command. */
	stop?: AbortSignal;
}

const namePattern = /^kvmnet-probe-(\d+)-[ab]$/;
const hostEndPattern = /^kvp(\d+)[ab]$/;
const folderPattern = /^kvmnet-probe-(\d+)$/;

/** udhcpc's $mask: a prefix length (busybox 1.35: "24"), or a dotted netmask in other versions. */
function prefixOfMask(mask: string): number | undefined {
	if (/^\d{1,2}$/.test(mask)) return Number(mask) <= 32 ? Number(mask) : undefined;
	return prefixFromNetmask(mask);
}

/**
 * Remove what killed probes left: their namespaces, host ends, OVS ports and lease-script folders, each found by
 * the pid in its name when that process is gone.
 */
export async function sweepProbeLeftovers(runner: Runner, host: HostModel): Promise<string[]> {
	const namespaces = (await runner.run(['ip', 'netns', 'list'], {atMostMs: 5000})).stdout
		.split('\n')
		.map((line) => line.split(' ')[0] ?? '');
	const folders = (await runner.files.list('/run')) ?? [];
	const leftovers: {name: string; remove: string[]}[] = [
		...namespaces.map((name) => ({name, remove: ['ip', 'netns', 'del', name]})),
		...host.nics.map((nic) => ({name: nic.name, remove: ['ip', 'link', 'del', 'dev', nic.name]})),
		...host.bridges
			.filter((b) => b.type === 'ovs')
			.flatMap((b) =>
				b.ports.map((port) => ({name: port.name, remove: ['ovs-vsctl', '--if-exists', 'del-port', b.name, port.name]})),
			),
		...folders.map((name) => ({name, remove: ['rm', '-rf', `/run/${name}`]})),
	];
	const swept: string[] = [];
	for (const {name, remove} of leftovers) {
		const pid = (namePattern.exec(name) ?? hostEndPattern.exec(name) ?? folderPattern.exec(name))?.[1];
		if (!pid || pid === String(process.pid)) continue;
		if ((await runner.run(['kill', '-0', pid], {atMostMs: 5000})).ok) continue;
		await runner.run(remove, {atMostMs: 5000});
		swept.push(name);
	}
	return swept;
}

/** The first of these that the host has, as the argv prefix to run it. */
async function firstTool(runner: Runner, choices: string[][]): Promise<string[] | undefined> {
	for (const argv of choices) {
		if (!(await runner.hasProgram(argv[0]!))) continue;
		if (argv[0] === 'busybox') {
			const listed = await runner.run(['busybox', '--list'], {atMostMs: 5000});
			if (!listed.stdout.split('\n').includes(argv[1]!)) continue;
		}
		return argv;
	}
	return undefined;
}

const show = (argv: string[], result: RunResult) =>
	`$ ${argv.join(' ')}\n${`${result.stdout}${result.stderr}`.trim() || `(exit ${result.exitCode ?? '?'})`}`;

export async function probeNetwork(
	runner: Runner,
	host: HostModel,
	network: LibvirtNetwork,
	options: ProbeOptions = {},
): Promise<ProbeReport> {
	const report: ProbeReport = {network: network.name, mode: network.mode, attach: '', checks: []};
	const skipAll = (why: string): ProbeReport => ({
		...report,
		attach: why,
		checks: probeCheckIds.map((id) => ({id, expected: 'n/a' as Expectation, result: 'skip' as const, evidence: why})),
	});
	const refused = notProbeable(network);
	if (refused) return skipAll(refused);
	if (!host.header.isRoot)
		return skipAll('the probe makes network namespaces and links: it needs root (run it with sudo)');
	const promise = probePromises[network.mode]!;
	const ovs = network.virtualport === 'openvswitch' || network.mode === 'ovs';
	const macvtap = network.mode.startsWith('macvtap-');
	const parent = network.forwardDev ?? network.forwardInterfaces[0];
	if (macvtap && !parent) return skipAll(`network ${network.name} names no parent NIC`);
	if (!macvtap && !network.bridge) return skipAll(`network ${network.name} has no bridge to attach to`);

	const ping = await firstTool(runner, [['ping'], ['busybox', 'ping']]);
	const dhcpClient = await firstTool(runner, [['udhcpc'], ['busybox', 'udhcpc']]);
	const lookup = await firstTool(runner, [['busybox', 'nslookup'], ['nslookup']]);
	if (!ping) return skipAll('neither ping (iputils-ping) nor busybox is installed: the probe measures with ping');

	const run = async (argv: string[], opts: {input?: string; timeoutMs?: number} = {}) => {
		if (options.stop?.aborted) throw new Error('stopped');
		options.onCommand?.(argv);
		return runner.run(argv, {timeoutMs: opts.timeoutMs ?? 20_000, ...(opts.input ? {input: opts.input} : {})});
	};
	const must = async (argv: string[], opts: {input?: string} = {}) => {
		const result = await run(argv, opts);
		if (!result.ok) throw new Error(`${argv.join(' ')}: ${describeFailure(result)}`);
		return result;
	};

	const pid = process.pid;
	const workDir = `/run/kvmnet-probe-${pid}`;
	const endpoints: Endpoint[] = (['a', 'b'] as const).map((label) => ({
		label,
		namespace: `kvmnet-probe-${pid}-${label}`,
		hostEnd: `kvp${pid}${label}`,
		hostname: `kvmnet-probe-${label}`,
	}));
	const inside = (e: Endpoint, argv: string[]) => ['ip', 'netns', 'exec', e.namespace, ...argv];
	const libvirtIp = network.ips.find((ip) => ip.family === 'ipv4');
	const range = libvirtIp?.dhcpRanges[0];
	try {
		await sweepProbeLeftovers(runner, host);
		for (const e of endpoints) {
			await must(['ip', 'netns', 'add', e.namespace]);
			await must(['ip', '-n', e.namespace, 'link', 'set', 'dev', 'lo', 'up']);
			if (macvtap) {
				const mode = network.mode.slice('macvtap-'.length);
				await must(['ip', 'link', 'add', 'link', parent!, 'name', e.hostEnd, 'type', 'macvlan', 'mode', mode]);
				await must(['ip', 'link', 'set', 'dev', e.hostEnd, 'netns', e.namespace]);
				await must(['ip', '-n', e.namespace, 'link', 'set', 'dev', e.hostEnd, 'name', 'probe0']);
			} else {
				await must(['ip', 'link', 'add', e.hostEnd, 'type', 'veth', 'peer', 'name', 'probe0', 'netns', e.namespace]);
				if (ovs) await must(['ovs-vsctl', 'add-port', network.bridge!, e.hostEnd]);
				else await must(['ip', 'link', 'set', 'dev', e.hostEnd, 'master', network.bridge!]);
				await must(['ip', 'link', 'set', 'dev', e.hostEnd, 'up']);
			}
			await must(['ip', '-n', e.namespace, 'link', 'set', 'dev', 'probe0', 'up']);
		}
		report.attach = macvtap
			? `two macvlan endpoints in ${network.mode.slice(8)} mode on ${parent}`
			: `two veth endpoints on ${ovs ? 'Open vSwitch bridge' : 'bridge'} ${network.bridge}`;

		// A port of a Linux bridge with STP passes nothing until it is forwarding (libvirt's bridges: ~2 s).
		if (!macvtap && !ovs) {
			for (const e of endpoints) {
				for (let i = 0; i < 60; i++) {
					const state = await run(['bridge', '-j', 'link', 'show', 'dev', e.hostEnd]);
					if (!state.ok || /"state":"forwarding"/.test(state.stdout)) break;
					await new Promise((resolve) => setTimeout(resolve, 500));
				}
			}
		}

		// dhcp: each endpoint asks for a lease, sending its hostname (dnsmasq then answers for that name).
		const dhcpEvidence: string[] = [];
		let dhcpMeasured: 'yes' | 'no' | undefined;
		if (dhcpClient) {
			await must(['mkdir', '-p', '-m', '0700', workDir]);
			await must(['tee', `${workDir}/lease`], {input: leaseScript});
			await must(['chmod', '0700', `${workDir}/lease`]);
			const leases = await Promise.all(
				endpoints.map(async (e) => {
					const argv = inside(e, [
						...dhcpClient,
						'-i',
						'probe0',
						'-f',
						'-q',
						'-n',
						'-t',
						'5',
						'-T',
						'2',
						'-x',
						`hostname:${e.hostname}`,
						'-s',
						`${workDir}/lease`,
					]);
					const result = await run(argv, {timeoutMs: 30_000});
					const evidence = show(argv, result);
					const lease = /^kvmnet-lease ip=(\S*) mask=(\S*) router=(\S*) dns=(.*)$/m.exec(result.stdout);
					const address = lease?.[1] && parseIpv4(lease[1]) !== undefined ? lease[1] : undefined;
					const prefix = lease?.[2] ? prefixOfMask(lease[2]) : undefined;
					if (!address || prefix === undefined) return {evidence, good: false};
					e.address = address;
					e.prefix = prefix;
					const router = lease?.[3]?.split(' ')[0];
					if (router && parseIpv4(router) !== undefined) e.router = router;
					const dns = lease?.[4]?.trim().split(' ')[0];
					if (dns && parseIpv4(dns) !== undefined) e.dns = dns;
					const value = parseIpv4(address)!;
					const inRange = !range || (value >= parseIpv4(range.start)! && value <= parseIpv4(range.end)!);
					const needsRouter = network.mode !== 'isolated';
					// libvirt's dnsmasq always hands out itself as DNS; a LAN's DHCP server need not.
					const needsDns = Boolean(range);
					return {
						evidence,
						good: inRange && (!needsDns || Boolean(e.dns)) && (!needsRouter || Boolean(e.router)),
					};
				}),
			);
			dhcpEvidence.push(...leases.map((l) => l.evidence));
			dhcpMeasured = leases.every((l) => l.good) ? 'yes' : 'no';
		} else dhcpEvidence.push('no DHCP client here (busybox udhcpc): static addresses from the range are used');
		const expectedDhcp: Expectation =
			macvtap || network.mode === 'bridge' || ovs ? promise.dhcp : range ? 'yes' : 'n/a';
		report.checks.push(
			judge(
				'dhcp',
				expectedDhcp,
				dhcpMeasured,
				dhcpEvidence.join('\n'),
				endpoints.every((e) => e.address)
					? `a lease came, but ${range ? "outside the network's range or " : ''}without ${network.mode === 'isolated' ? 'a DNS server' : 'a router or a DNS server'}: see the DHCP server's options`
					: range
						? `no lease from libvirt's dnsmasq on ${network.bridge}: a firewall dropping DHCP (port 67) to the host? See kvmnet doctor, checks dns-dhcp-ports, host-firewall and forward-drop.`
						: "no lease from the LAN: is there a DHCP server on it, and does the switch pass the guests' MAC addresses?",
			),
		);

		// Endpoints without a lease take a static address at the top of libvirt's range (said in the evidence).
		if (range && libvirtIp) {
			const end = parseIpv4(range.end)!;
			for (const [i, e] of endpoints.entries()) {
				if (e.address) continue;
				const value = end - i;
				e.address = formatIpv4(value);
				e.prefix = libvirtIp.prefix;
				if (network.mode !== 'isolated') e.router = libvirtIp.address;
				e.dns = libvirtIp.address;
			}
		}
		for (const e of endpoints) {
			if (!e.address) continue;
			await run(['ip', '-n', e.namespace, 'addr', 'replace', `${e.address}/${e.prefix}`, 'dev', 'probe0']);
			if (e.router) await run(['ip', '-n', e.namespace, 'route', 'replace', 'default', 'via', e.router]);
		}
		const [a, b] = endpoints as [Endpoint, Endpoint];

		const reach = async (from: Endpoint | undefined, to: string | undefined) => {
			if (!to) return {measured: undefined, evidence: 'no address to reach'};
			if (from && !from.address) return {measured: undefined, evidence: `endpoint ${from.label} has no address`};
			const argv = [...(from ? inside(from, []) : []), ...ping, '-c', '2', '-W', '2', to];
			const result = await run(argv);
			return {measured: result.ok ? ('yes' as const) : ('no' as const), evidence: show(argv, result)};
		};
		const cell = async (
			id: ProbeCheckId,
			expected: Expectation,
			from: Endpoint | undefined,
			to: string | undefined,
			cause?: string,
		): Promise<ProbeCell> => {
			if (expected === 'n/a') return judge(id, expected, undefined, 'nothing to measure in this mode');
			const {measured, evidence} = await reach(from, to);
			return judge(id, expected, measured, evidence, cause);
		};

		// dns: a's name, as b asks the network's DNS server.
		if (promise.dns === 'n/a' || !libvirtIp)
			report.checks.push(judge('dns', 'n/a', undefined, "the network runs no DNS of libvirt's"));
		else if (!lookup) report.checks.push(judge('dns', promise.dns, undefined, 'no nslookup here (busybox nslookup)'));
		else if (!a.address || !b.dns)
			report.checks.push(judge('dns', promise.dns, undefined, 'no address or DNS server to ask'));
		else {
			const argv = inside(b, [...lookup, a.hostname, b.dns]);
			const result = await run(argv);
			const found = new RegExp(`(^|\\s)${a.address.replace(/\./g, '\\.')}($|\\s)`, 'm').test(result.stdout);
			report.checks.push(
				judge(
					'dns',
					promise.dns,
					found ? 'yes' : 'no',
					show(argv, result),
					"libvirt's dnsmasq does not answer for the guest's name: see kvmnet doctor, check dns-dhcp-ports.",
				),
			);
		}

		const bridgeNic = network.bridge ? host.nics.find((n) => n.name === network.bridge) : undefined;
		const bridgeAddress =
			libvirtIp?.address ?? bridgeNic?.addresses.find((x) => x.family === 'ipv4' && x.scope !== 'link')?.address;
		const expectedBridge: Expectation =
			promise['guest-host-bridge'] === 'either' ? (bridgeAddress ? 'yes' : 'n/a') : promise['guest-host-bridge'];
		// The reachability cells are independent: measured at once, reported in order.
		const cells: Promise<ProbeCell>[] = [];
		cells.push(cell('guest-host-bridge', bridgeAddress ? expectedBridge : 'n/a', a, bridgeAddress));

		const defaultRoute = host.routes.find((r) => r.destination === 'default' && r.dev && !r.gateway?.includes(':'));
		const publicNic = defaultRoute ? host.nics.find((n) => n.name === defaultRoute.dev) : undefined;
		const publicAddress = publicNic?.addresses.find((x) => x.family === 'ipv4' && x.scope !== 'link')?.address;
		// macvtap keeps guests from the host only through the parent itself: a host address on another NIC is
		// reached through the LAN like any other machine's.
		const throughLan = (expected: Expectation): Expectation =>
			macvtap && expected === 'no' && publicNic?.name !== parent ? 'either' : expected;
		cells.push(
			cell(
				'guest-host-public',
				publicAddress ? throughLan(promise['guest-host-public']) : 'n/a',
				a,
				publicAddress,
				'the host does not answer on its own address: see kvmnet doctor, check host-firewall.',
			),
		);
		cells.push(
			cell(
				'guest-guest',
				promise['guest-guest'],
				a,
				b.address,
				'guests on one bridge do not reach each other: bridged traffic filtered by the host firewall (br_netfilter sends it through the forward chains)? See kvmnet doctor, checks bridge-netfilter and forward-drop.',
			),
		);
		cells.push(
			cell(
				'host-guest',
				throughLan(promise['host-guest']),
				undefined,
				a.address,
				'the host cannot reach a guest: see kvmnet doctor, checks libvirt-firewall and host-firewall.',
			),
		);
		// On the LAN (host bridge, OVS, macvtap) the guests' way out is the LAN's router, from their lease.
		const onLan = macvtap || ovs || network.mode === 'bridge';
		const target = options.target ?? (onLan ? a.router : undefined) ?? defaultRoute?.gateway;
		if (target) report.target = target;
		const subnet = libvirtIp
			? `${formatIpv4(networkOf(parseIpv4(libvirtIp.address)!, libvirtIp.prefix))}/${libvirtIp.prefix}`
			: undefined;
		const outsideCause =
			network.mode === 'route'
				? `routed guests reach beyond the host only if the LAN knows the way back: on the LAN router, ip route add ${subnet} via ${publicAddress ?? 'HOST-ADDRESS'} (and forwarding on here, nothing dropping it: kvmnet doctor, checks forwarding and forward-drop).`
				: network.mode === 'nat'
					? 'NAT guests do not get out: IP forwarding off, or a FORWARD DROP (Docker, ufw, an nftables ruleset)? See kvmnet doctor, checks forwarding, forward-drop, libvirt-firewall and docker.'
					: undefined;
		// A target the host itself cannot reach says nothing about the network: the cell is skipped, said so.
		const hostReachesTarget = target ? (await reach(undefined, target)).measured === 'yes' : false;
		if (target && !hostReachesTarget)
			cells.push(
				Promise.resolve(
					judge(
						'guest-outside',
						promise['guest-outside'],
						undefined,
						`the host itself gets no answer from ${target}: pick a --target the host reaches`,
					),
				),
			);
		else cells.push(cell('guest-outside', target ? promise['guest-outside'] : 'n/a', a, target, outsideCause));
		report.checks.push(...(await Promise.all(cells)));
	} catch (error) {
		if ((error as Error).message !== 'stopped') {
			report.attach = report.attach || `could not attach the endpoints: ${(error as Error).message}`;
			const done = new Set(report.checks.map((c) => c.id));
			for (const id of probeCheckIds)
				if (!done.has(id))
					report.checks.push({id, expected: promise[id], result: 'skip', evidence: (error as Error).message});
		} else {
			report.attach = report.attach || 'stopped';
		}
	} finally {
		for (const e of endpoints) {
			await runner.run(['ip', 'netns', 'del', e.namespace], {atMostMs: 5000});
			if (ovs) await runner.run(['ovs-vsctl', '--if-exists', 'del-port', network.bridge!, e.hostEnd], {atMostMs: 5000});
			await runner.run(['ip', 'link', 'del', 'dev', e.hostEnd], {atMostMs: 5000});
		}
		await runner.run(['rm', '-rf', workDir], {atMostMs: 5000});
	}
	return report;
}
