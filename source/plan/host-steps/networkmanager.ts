// Host steps with NetworkManager (`nmcli`): connections kvmnet adds and names `kvmnet-…`, so undo deletes exactly
// those, and the uplink's own connection comes back up.
import type {HostModel, Nic, Route} from '../../core/model.js';
import type {PlanStep, StepCheck} from '../../core/plan.js';
import {
	cidr,
	defaultGateway,
	isDhcp,
	isIpv6Route,
	link,
	movable,
	routesVia,
	sshRisk,
	type HostStepBuilder,
} from './shared.js';

const nmConnection = (name: string, active = false): StepCheck => ({
	run: ['nmcli', '-t', '-f', 'GENERAL.STATE', 'connection', 'show', name],
	...(active ? {pattern: 'activated'} : {}),
	proves: `NetworkManager connection ${name} ${active ? 'is active' : 'exists'}`,
});

/**
 * The uplink's IP settings for the bridge's connection. A static NIC keeps its DNS servers and search domains and
 * its other static routes (nm-settings-nmcli(5): ipv4.dns, ipv4.dns-search, ipv4.routes as "ip[/prefix] [next-hop]"
 * separated by commas); what DHCP or router advertisements gave comes back by itself on the bridge.
 */
function ipSettings(host: HostModel, nic: Nic, gateways: Route[]): string[] {
	const v4 = movable(nic).filter((a) => a.family === 'ipv4');
	const v6 = movable(nic).filter((a) => a.family === 'ipv6' && !a.dynamic);
	const dns = host.capabilities.networkManager.dns?.[nic.name];
	const isV6 = (address: string) => address.includes(':');
	const statics = (family: 'ipv4' | 'ipv6') =>
		gateways
			.filter((r) => r.destination !== 'default' && isIpv6Route(r) === (family === 'ipv6'))
			.filter((r) => r.protocol === undefined || r.protocol === 'static' || r.protocol === 'boot')
			.map((r) => `${r.destination} ${r.gateway}`);
	const extras = (family: 'ipv4' | 'ipv6') => {
		const servers = (dns?.servers ?? []).filter((s) => isV6(s) === (family === 'ipv6'));
		const routes = statics(family);
		return [
			...(servers.length > 0 ? [`${family}.dns`, servers.join(',')] : []),
			...(family === 'ipv4' && dns?.search.length ? ['ipv4.dns-search', dns.search.join(',')] : []),
			...(routes.length > 0 ? [`${family}.routes`, routes.join(',')] : []),
		];
	};
	const args: string[] = [];
	if (isDhcp(nic)) args.push('ipv4.method', 'auto');
	else if (v4.length > 0) {
		args.push('ipv4.method', 'manual', 'ipv4.addresses', v4.map(cidr).join(','));
		const gateway = defaultGateway(gateways, 'ipv4');
		if (gateway) args.push('ipv4.gateway', gateway);
		args.push(...extras('ipv4'));
	} else args.push('ipv4.method', 'disabled');
	if (v6.length > 0) {
		args.push('ipv6.method', 'manual', 'ipv6.addresses', v6.map(cidr).join(','));
		const gateway = defaultGateway(gateways, 'ipv6');
		if (gateway) args.push('ipv6.gateway', gateway);
		args.push(...extras('ipv6'));
	} else args.push('ipv6.method', 'auto');
	return args;
}

function bridgeNetworkManager(host: HostModel, bridge: string, uplink: Nic): PlanStep[] {
	const ssh = host.header.ssh?.interface === uplink.name;
	const original = host.capabilities.networkManager.connections[uplink.name];
	const bridgeConnection = `kvmnet-${bridge}`;
	const portConnection = `kvmnet-${bridge}-${uplink.name}`;
	return [
		{
			title: `Create NetworkManager bridge ${bridge} with the addresses of ${uplink.name}`,
			run: [
				'nmcli',
				'connection',
				'add',
				'type',
				'bridge',
				'ifname',
				bridge,
				'con-name',
				bridgeConnection,
				'bridge.stp',
				'no',
				// bridge.mac-address is deprecated since NetworkManager 1.12 in favour of ethernet.cloned-mac-address.
				...(uplink.mac ? ['ethernet.cloned-mac-address', uplink.mac] : []),
				...ipSettings(host, uplink, routesVia(host, uplink)),
			],
			undo: ['nmcli', 'connection', 'delete', bridgeConnection],
			verify: nmConnection(bridgeConnection),
		},
		{
			title: `Add ${uplink.name} to ${bridge} as a port`,
			run: [
				'nmcli',
				'connection',
				'add',
				'type',
				'ethernet',
				'ifname',
				uplink.name,
				'con-name',
				portConnection,
				'slave-type',
				'bridge',
				'master',
				bridge,
			],
			undo: ['nmcli', 'connection', 'delete', portConnection],
			verify: nmConnection(portConnection),
		},
		{
			title: `Activate ${bridge} (${uplink.name} leaves ${original ? `"${original}"` : 'its connection'})`,
			run: ['nmcli', 'connection', 'up', portConnection],
			undo: original ? ['nmcli', 'connection', 'up', original] : ['nmcli', 'device', 'connect', uplink.name],
			verify: link.master(uplink.name, bridge),
			...(ssh ? {risk: sshRisk(uplink.name, 'NetworkManager moves it into the bridge'), touchesSsh: true} : {}),
		},
		{
			title: `Bring up ${bridge}'s addresses`,
			run: ['nmcli', 'connection', 'up', bridgeConnection],
			verify: nmConnection(bridgeConnection, true),
		},
	];
}

export const networkManager: HostStepBuilder = {
	bridge: bridgeNetworkManager,
	vlanBridge(parent: Nic, id: number, bridge: string): PlanStep[] {
		const vlan = `${parent.name}.${id}`;
		return [
			{
				title: `Create NetworkManager bridge ${bridge} (no host address)`,
				run: [
					'nmcli',
					'connection',
					'add',
					'type',
					'bridge',
					'ifname',
					bridge,
					'con-name',
					`kvmnet-${bridge}`,
					'bridge.stp',
					'no',
					'ipv4.method',
					'disabled',
					'ipv6.method',
					'ignore',
				],
				undo: ['nmcli', 'connection', 'delete', `kvmnet-${bridge}`],
			},
			{
				title: `Create VLAN ${id} on ${parent.name} as a port of ${bridge}`,
				run: [
					'nmcli',
					'connection',
					'add',
					'type',
					'vlan',
					'ifname',
					vlan,
					'con-name',
					`kvmnet-${vlan}`,
					'dev',
					parent.name,
					'id',
					String(id),
					'slave-type',
					'bridge',
					'master',
					bridge,
				],
				undo: ['nmcli', 'connection', 'delete', `kvmnet-${vlan}`],
			},
			{title: `Activate ${bridge}`, run: ['nmcli', 'connection', 'up', `kvmnet-${vlan}`]},
		];
	},
};
