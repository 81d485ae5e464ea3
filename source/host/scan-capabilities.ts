// What the host can do: IOMMU groups (passthrough, SR-IOV), and which tool owns its network configuration, so
// host-side plan steps go through NetworkManager, netplan or ifupdown where one is in charge.
import {parseNmDns} from '../core/parse-nmcli.js';
import {join} from 'node:path';
import type {HostCapabilities, NetworkManagerKind} from '../core/model.js';
import type {Runner} from './runner.js';

export interface CapabilityOptions {
	/** Root of the file system to read /etc and /sys from (tests point it at a fixture tree). */
	root?: string;
	ovs: HostCapabilities['ovs'];
}

const managerKinds: NetworkManagerKind[] = ['networkmanager', 'netplan', 'ifupdown', 'iproute2'];

async function networkManagerOf(
	runner: Runner,
	root: string,
	env: NodeJS.ProcessEnv,
): Promise<HostCapabilities['networkManager']> {
	// An admin (or a test in a namespace) can name the tool instead of letting kvmnet guess it.
	const forced = env['KVMNET_NETWORK_MANAGER'];
	if (forced && managerKinds.includes(forced as NetworkManagerKind)) {
		return {kind: forced as NetworkManagerKind, reason: `KVMNET_NETWORK_MANAGER=${forced} says so`, connections: {}};
	}
	// Everything that decides it is asked at once (one round trip on a remote host); nmcli runs only if it is there.
	const nmcli = runner.ahead(['nmcli', '-t', '-f', 'DEVICE,STATE,CONNECTION', 'device', 'status'], {atMostMs: 5000});
	// Sent with it (same round trip): each device's DNS, which a bridge over a static NIC must keep.
	const nmDns = runner.ahead(
		['nmcli', '-t', '-f', 'GENERAL.DEVICE,IP4.DNS,IP4.DOMAIN,IP6.DNS,IP6.DOMAIN', 'device', 'show'],
		{atMostMs: 5000},
	);
	const [hasNmcli, netplanEntries, interfacesText] = await Promise.all([
		root === '/' ? runner.hasProgram('nmcli', env) : Promise.resolve(false),
		runner.files.list(join(root, 'etc/netplan')),
		runner.files.read(join(root, 'etc/network/interfaces')),
	]);
	if (hasNmcli) {
		const [result, dns] = await Promise.all([nmcli(), nmDns()]);
		// On a remote host a missing nmcli answers here (exit 127), not before.
		if (result.ok) {
			const connections: Record<string, string> = {};
			for (const line of result.stdout.split('\n')) {
				// nmcli -t escapes ":" inside fields as "\\:".
				const [device, state, connection] = line.split(/(?<!\\):/).map((f) => f.replace(/\\:/g, ':'));
				if (device && state?.startsWith('connected') && connection) connections[device] = connection;
			}
			const managed = Object.keys(connections);
			return {
				kind: 'networkmanager',
				reason: `NetworkManager is running${managed.length > 0 ? ` and manages ${managed.join(', ')}` : ''}: changes go through nmcli and persist`,
				connections,
				...(dns.ok ? {dns: parseNmDns(dns.stdout)} : {}),
			};
		}
	}
	const netplanFiles = (netplanEntries ?? []).filter((f) => f.endsWith('.yaml')).sort();
	if (netplanFiles.length > 0) {
		// Their text, for the plan that takes a NIC's addresses out of them (source/plan/host-steps/netplan-yaml.ts).
		const texts = await Promise.all(netplanFiles.map((f) => runner.files.read(join(root, 'etc/netplan', f))));
		return {
			kind: 'netplan',
			reason: `netplan configuration found (/etc/netplan/${netplanFiles.join(', ')}): changes are written as a netplan file and applied`,
			connections: {},
			files: netplanFiles.map((f, i) => ({
				path: `/etc/netplan/${f}`,
				...(texts[i] === undefined ? {} : {text: texts[i]}),
			})),
		};
	}
	const interfaces = interfacesText ?? '';
	const stanzas = [...interfaces.matchAll(/^\s*iface\s+(\S+)/gm)].map((m) => m[1]!).filter((name) => name !== 'lo');
	if (stanzas.length > 0) {
		return {
			kind: 'ifupdown',
			reason: `ifupdown configures ${stanzas.join(', ')} in /etc/network/interfaces: changes are written to /etc/network/interfaces.d`,
			connections: {},
			files: [{path: '/etc/network/interfaces', text: interfaces}],
		};
	}
	return {
		kind: 'iproute2',
		reason:
			'no NetworkManager, netplan or ifupdown configuration found: changes are made with ip and last until reboot',
		connections: {},
	};
}

export async function scanCapabilities(
	runner: Runner,
	options: CapabilityOptions,
	env: NodeJS.ProcessEnv = process.env,
): Promise<HostCapabilities> {
	const root = options.root ?? '/';
	const [groups, networkManager] = await Promise.all([
		runner.files.list(join(root, 'sys/kernel/iommu_groups')).then((entries) => entries?.length ?? 0),
		networkManagerOf(runner, root, env),
	]);
	return {iommuGroups: groups, ovs: options.ovs, networkManager};
}
