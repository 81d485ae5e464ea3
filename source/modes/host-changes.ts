// Changes to the host's own network that some modes need before libvirt can use it, turned into plan steps for
// the tool that owns the host's configuration: NetworkManager (nmcli), netplan, ifupdown, or plain iproute2.
import type {HostModel, IpAddress, NetworkManagerKind, Nic, Route} from '../core/model.js';
import {escapeRegExp, type PlanStep, type StepCheck} from '../core/plan.js';

export type HostChange =
	/** A Linux bridge that takes over the uplink: its addresses, routes and MAC move to the bridge. */
	| {kind: 'bridge'; bridge: string; uplink: Nic}
	/** A VLAN sub-interface of `parent` enslaved to a new bridge with no address of its own. */
	| {kind: 'vlan-bridge'; parent: Nic; id: number; bridge: string}
	| {kind: 'ovs-bridge'; bridge: string; uplink?: Nic}
	| {kind: 'sriov-vfs'; pf: Nic; count: number};

const json = (value: string) => escapeRegExp(JSON.stringify(value));

/** Checks on a link's state, read from `ip -j`. */
const link = {
	exists: (name: string): StepCheck => ({
		run: ['ip', '-j', 'link', 'show', 'dev', name],
		pattern: `"ifname":${json(name)}`,
		proves: `${name} exists`,
	}),
	up: (name: string): StepCheck => ({
		run: ['ip', '-j', 'link', 'show', 'dev', name],
		pattern: '"flags":\\[[^\\]]*"UP"',
		proves: `${name} is up`,
	}),
	mac: (name: string, mac: string): StepCheck => ({
		run: ['ip', '-j', 'link', 'show', 'dev', name],
		pattern: `"address":${json(mac)}`,
		proves: `${name} has MAC ${mac}`,
	}),
	master: (name: string, master: string): StepCheck => ({
		run: ['ip', '-j', 'link', 'show', 'dev', name],
		pattern: `"master":${json(master)}`,
		proves: `${name} is a port of ${master}`,
	}),
	address: (name: string, address: IpAddress, absent = false): StepCheck => ({
		run: ['ip', '-j', 'addr', 'show', 'dev', name],
		pattern: `"local":${json(address.address)},"prefixlen":${address.prefix}`,
		...(absent ? {absent: true} : {}),
		proves: `${name} ${absent ? 'no longer has' : 'has'} ${address.address}/${address.prefix}`,
	}),
	// `ip route show default` lists IPv4 only: an IPv6 route is looked for with -6.
	route: (route: Route, dev: string): StepCheck => ({
		run: ['ip', ...familyFlag(route), '-j', 'route', 'show', route.destination],
		pattern: `"dev":${json(dev)}`,
		proves: `the route to ${route.destination} uses ${dev}`,
	}),
};
const nmConnection = (name: string, active = false): StepCheck => ({
	run: ['nmcli', '-t', '-f', 'GENERAL.STATE', 'connection', 'show', name],
	...(active ? {pattern: 'activated'} : {}),
	proves: `NetworkManager connection ${name} ${active ? 'is active' : 'exists'}`,
});

const sshRisk = (nic: string, what: string) =>
	`${nic} carries your SSH session: ${what}. If the new path does not come up, you lose this connection (apply guards this step and undoes it unless you confirm).`;

const isIpv6Route = (route: Route) => (route.gateway ?? route.destination).includes(':');
const familyFlag = (route: Route) => (isIpv6Route(route) ? ['-6'] : []);
/** The uplink's default gateway of one family, for tools that take one gateway per family. */
const defaultGateway = (gateways: Route[], family: 'ipv4' | 'ipv6') =>
	gateways.find((r) => r.destination === 'default' && isIpv6Route(r) === (family === 'ipv6'))?.gateway;
const movable = (nic: Nic) => nic.addresses.filter((a) => a.scope !== 'link' && a.scope !== 'host');
const cidr = (a: IpAddress) => `${a.address}/${a.prefix}`;
const routesVia = (host: HostModel, nic: Nic) =>
	host.routes.filter((r) => r.dev === nic.name && r.gateway && (r.table === undefined || r.table === 'main'));
const isDhcp = (nic: Nic) => movable(nic).some((a) => a.family === 'ipv4' && a.dynamic);

function bridgeIproute2(host: HostModel, bridge: string, uplink: Nic): PlanStep[] {
	const ssh = host.header.ssh?.interface === uplink.name;
	const risk = (what: string) => (ssh ? {risk: sshRisk(uplink.name, what), touchesSsh: true} : {});
	const steps: PlanStep[] = [
		{
			title: `Create Linux bridge ${bridge}`,
			run: ['ip', 'link', 'add', 'name', bridge, 'type', 'bridge', 'stp_state', '0'],
			undo: ['ip', 'link', 'del', 'dev', bridge],
			verify: link.exists(bridge),
		},
	];
	// The bridge takes the uplink's MAC so the LAN's DHCP server and ARP caches see the same host.
	if (uplink.mac)
		steps.push({
			title: `Give ${bridge} the MAC of ${uplink.name}`,
			run: ['ip', 'link', 'set', 'dev', bridge, 'address', uplink.mac],
			verify: link.mac(bridge, uplink.mac),
		});
	steps.push({title: `Bring ${bridge} up`, run: ['ip', 'link', 'set', 'dev', bridge, 'up'], verify: link.up(bridge)});
	for (const address of movable(uplink)) {
		steps.push({
			title: `Add ${cidr(address)} to ${bridge}`,
			run: ['ip', 'addr', 'add', cidr(address), 'dev', bridge, ...(address.options ?? [])],
			undo: ['ip', 'addr', 'del', cidr(address), 'dev', bridge],
			verify: link.address(bridge, address),
		});
	}
	steps.push({
		title: `Make ${uplink.name} a port of ${bridge}`,
		run: ['ip', 'link', 'set', 'dev', uplink.name, 'master', bridge],
		undo: ['ip', 'link', 'set', 'dev', uplink.name, 'nomaster'],
		verify: link.master(uplink.name, bridge),
		...risk('its traffic moves to the bridge'),
	});
	for (const route of routesVia(host, uplink)) {
		steps.push({
			title: `Move the route to ${route.destination} to ${bridge}`,
			run: ['ip', ...familyFlag(route), 'route', 'replace', route.destination, 'via', route.gateway!, 'dev', bridge],
			undo: [
				'ip',
				...familyFlag(route),
				'route',
				'replace',
				route.destination,
				'via',
				route.gateway!,
				'dev',
				uplink.name,
			],
			verify: link.route(route, bridge),
			...risk('its gateway route moves to the bridge'),
		});
	}
	for (const address of movable(uplink)) {
		steps.push({
			title: `Remove ${cidr(address)} from ${uplink.name}`,
			run: ['ip', 'addr', 'del', cidr(address), 'dev', uplink.name],
			undo: ['ip', 'addr', 'add', cidr(address), 'dev', uplink.name, ...(address.options ?? [])],
			verify: link.address(uplink.name, address, true),
			...risk('its address moves to the bridge'),
		});
	}
	return steps;
}

function ipSettings(nic: Nic, gateways: Route[]): string[] {
	const v4 = movable(nic).filter((a) => a.family === 'ipv4');
	const v6 = movable(nic).filter((a) => a.family === 'ipv6' && !a.dynamic);
	const args: string[] = [];
	if (isDhcp(nic)) args.push('ipv4.method', 'auto');
	else if (v4.length > 0) {
		args.push('ipv4.method', 'manual', 'ipv4.addresses', v4.map(cidr).join(','));
		const gateway = defaultGateway(gateways, 'ipv4');
		if (gateway) args.push('ipv4.gateway', gateway);
	} else args.push('ipv4.method', 'disabled');
	if (v6.length > 0) {
		args.push('ipv6.method', 'manual', 'ipv6.addresses', v6.map(cidr).join(','));
		const gateway = defaultGateway(gateways, 'ipv6');
		if (gateway) args.push('ipv6.gateway', gateway);
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
				...(uplink.mac ? ['bridge.mac-address', uplink.mac] : []),
				...ipSettings(uplink, routesVia(host, uplink)),
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

function netplanAddresses(nic: Nic, host: HostModel): string[] {
	// What DHCP or router advertisements gave comes back by itself on the bridge; only static settings are written.
	const statics = movable(nic).filter((a) => !a.dynamic);
	const lines = isDhcp(nic) ? ['      dhcp4: true'] : [];
	if (statics.length > 0) lines.push('      addresses:', ...statics.map((a) => `        - ${cidr(a)}`));
	const gateways = routesVia(host, nic).filter((r) => r.protocol !== 'dhcp' && r.protocol !== 'ra');
	if (gateways.length > 0)
		lines.push(
			'      routes:',
			...gateways.flatMap((r) => [`        - to: ${r.destination}`, `          via: ${r.gateway}`]),
		);
	return lines;
}

function netplanStep(
	file: string,
	yaml: string[],
	title: string,
	bridge: string,
	ssh: boolean,
	uplink: string,
): PlanStep {
	return {
		title,
		writes: [{path: file, content: `${yaml.join('\n')}\n`}],
		run: ['netplan', 'apply'],
		// Undo removes the file first, then re-applies the configuration without it.
		undo: ['netplan', 'apply'],
		restoreFilesFirst: true,
		verify: link.exists(bridge),
		...(ssh ? {risk: sshRisk(uplink, 'netplan moves it into the new configuration'), touchesSsh: true} : {}),
	};
}

function ifupdownStep(
	file: string,
	lines: string[],
	title: string,
	up: string,
	ssh: boolean,
	uplink: string,
): PlanStep[] {
	return [
		{
			title,
			writes: [{path: file, content: `# written by kvmnet\n${lines.join('\n')}\n`}],
			run: ['ifup', up],
			// ifdown reads the stanza from the file: it must still be there when the undo runs.
			undo: ['ifdown', up],
			verify: link.exists(up),
			...(ssh ? {risk: sshRisk(uplink, 'ifupdown brings it up inside the bridge'), touchesSsh: true} : {}),
		},
	];
}

function bridgeSteps(host: HostModel, manager: NetworkManagerKind, bridge: string, uplink: Nic): PlanStep[] {
	const ssh = host.header.ssh?.interface === uplink.name;
	switch (manager) {
		case 'networkmanager':
			return bridgeNetworkManager(host, bridge, uplink);
		case 'netplan':
			return [
				netplanStep(
					`/etc/netplan/90-kvmnet-${bridge}.yaml`,
					[
						'# written by kvmnet: bridge for VMs',
						'network:',
						'  version: 2',
						'  ethernets:',
						`    ${uplink.name}:`,
						'      dhcp4: false',
						'  bridges:',
						`    ${bridge}:`,
						`      interfaces: [${uplink.name}]`,
						...(uplink.mac ? [`      macaddress: ${uplink.mac}`] : []),
						'      parameters:',
						'        stp: false',
						...netplanAddresses(uplink, host),
					],
					`Write a netplan bridge ${bridge} over ${uplink.name} and apply it`,
					bridge,
					ssh,
					uplink.name,
				),
			];
		case 'ifupdown': {
			const v4 = movable(uplink).find((a) => a.family === 'ipv4');
			const gateway = defaultGateway(routesVia(host, uplink), 'ipv4');
			// Static IPv6 addresses need their own inet6 stanza, or the host loses them (and an SSH session over IPv6).
			const v6 = movable(uplink).filter((a) => a.family === 'ipv6' && !a.dynamic);
			const gateway6 = defaultGateway(routesVia(host, uplink), 'ipv6');
			return [
				{
					title: `Take ${uplink.name} down (ifupdown)`,
					run: ['ifdown', uplink.name],
					undo: ['ifup', uplink.name],
					...(ssh ? {risk: sshRisk(uplink.name, 'it goes down until the bridge is up'), touchesSsh: true} : {}),
				},
				...ifupdownStep(
					`/etc/network/interfaces.d/kvmnet-${bridge}`,
					[
						`auto ${bridge}`,
						isDhcp(uplink) || !v4 ? `iface ${bridge} inet dhcp` : `iface ${bridge} inet static`,
						...(!isDhcp(uplink) && v4
							? [`    address ${cidr(v4)}`, ...(gateway ? [`    gateway ${gateway}`] : [])]
							: []),
						`    bridge_ports ${uplink.name}`,
						'    bridge_stp off',
						...(uplink.mac ? [`    hwaddress ether ${uplink.mac}`] : []),
						...(v6.length > 0
							? [
									`iface ${bridge} inet6 static`,
									`    address ${cidr(v6[0]!)}`,
									...(gateway6 ? [`    gateway ${gateway6}`] : []),
									...v6.slice(1).map((a) => `    up ip -6 addr add ${cidr(a)} dev ${bridge}`),
								]
							: []),
					],
					`Write an ifupdown bridge ${bridge} over ${uplink.name} and bring it up`,
					bridge,
					ssh,
					uplink.name,
				),
			];
		}
		case 'iproute2':
			return bridgeIproute2(host, bridge, uplink);
	}
}

function vlanBridgeSteps(manager: NetworkManagerKind, parent: Nic, id: number, bridge: string): PlanStep[] {
	const vlan = `${parent.name}.${id}`;
	switch (manager) {
		case 'networkmanager':
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
		case 'netplan':
			return [
				netplanStep(
					`/etc/netplan/90-kvmnet-${bridge}.yaml`,
					[
						'# written by kvmnet: VLAN bridge for VMs',
						'network:',
						'  version: 2',
						'  vlans:',
						`    ${vlan}:`,
						`      id: ${id}`,
						`      link: ${parent.name}`,
						'  bridges:',
						`    ${bridge}:`,
						`      interfaces: [${vlan}]`,
						'      parameters:',
						'        stp: false',
					],
					`Write a netplan VLAN ${id} bridge ${bridge} and apply it`,
					bridge,
					false,
					parent.name,
				),
			];
		case 'ifupdown':
			return ifupdownStep(
				`/etc/network/interfaces.d/kvmnet-${bridge}`,
				[
					`auto ${vlan}`,
					`iface ${vlan} inet manual`,
					`    vlan-raw-device ${parent.name}`,
					'',
					`auto ${bridge}`,
					`iface ${bridge} inet manual`,
					`    bridge_ports ${vlan}`,
					'    bridge_stp off',
				],
				`Write an ifupdown VLAN ${id} bridge ${bridge} and bring it up`,
				bridge,
				false,
				parent.name,
			);
		case 'iproute2':
			return [
				{
					title: `Create VLAN sub-interface ${vlan}`,
					run: ['ip', 'link', 'add', 'link', parent.name, 'name', vlan, 'type', 'vlan', 'id', String(id)],
					undo: ['ip', 'link', 'del', 'dev', vlan],
					verify: link.exists(vlan),
				},
				{
					title: `Create Linux bridge ${bridge}`,
					run: ['ip', 'link', 'add', 'name', bridge, 'type', 'bridge', 'stp_state', '0'],
					undo: ['ip', 'link', 'del', 'dev', bridge],
					verify: link.exists(bridge),
				},
				{
					title: `Make ${vlan} a port of ${bridge}`,
					run: ['ip', 'link', 'set', 'dev', vlan, 'master', bridge],
					undo: ['ip', 'link', 'set', 'dev', vlan, 'nomaster'],
					verify: link.master(vlan, bridge),
				},
				{title: `Bring ${vlan} up`, run: ['ip', 'link', 'set', 'dev', vlan, 'up'], verify: link.up(vlan)},
				{title: `Bring ${bridge} up`, run: ['ip', 'link', 'set', 'dev', bridge, 'up'], verify: link.up(bridge)},
			];
	}
}

/** The steps for one host change, for the given network manager. */
export function hostChangeSteps(change: HostChange, host: HostModel): PlanStep[] {
	const manager = host.capabilities.networkManager.kind;
	switch (change.kind) {
		case 'bridge':
			return bridgeSteps(host, manager, change.bridge, change.uplink);
		case 'vlan-bridge':
			return vlanBridgeSteps(manager, change.parent, change.id, change.bridge);
		case 'ovs-bridge':
			// Open vSwitch keeps its own configuration database: the same commands on every host.
			return [
				{
					title: `Create Open vSwitch bridge ${change.bridge}`,
					run: ['ovs-vsctl', 'add-br', change.bridge],
					undo: ['ovs-vsctl', 'del-br', change.bridge],
					verify: {run: ['ovs-vsctl', 'br-exists', change.bridge], proves: `OVS bridge ${change.bridge} exists`},
				},
				...(change.uplink
					? [
							{
								title: `Add ${change.uplink.name} to ${change.bridge} as its uplink`,
								run: ['ovs-vsctl', 'add-port', change.bridge, change.uplink.name],
								undo: ['ovs-vsctl', 'del-port', change.bridge, change.uplink.name],
								verify: {
									run: ['ovs-vsctl', 'port-to-br', change.uplink.name],
									pattern: `^${escapeRegExp(change.bridge)}$`,
									proves: `${change.uplink.name} is a port of ${change.bridge}`,
								},
							},
						]
					: []),
			];
		case 'sriov-vfs': {
			const file = `/sys/class/net/${change.pf.name}/device/sriov_numvfs`;
			const current = change.pf.sriov?.numVfs ?? 0;
			const steps: PlanStep[] = [];
			// The kernel refuses to change a non-zero VF count directly: go through 0.
			if (current > 0 && current !== change.count) {
				steps.push({
					title: `Remove the ${current} VFs of ${change.pf.name} (the count can only change through 0)`,
					run: ['tee', file],
					input: '0\n',
					undo: ['tee', file],
					undoInput: `${current}\n`,
				});
			}
			if (current !== change.count) {
				steps.push({
					title: `Create ${change.count} VFs on ${change.pf.name}`,
					run: ['tee', file],
					input: `${change.count}\n`,
					undo: ['tee', file],
					undoInput: '0\n',
					verify: {
						run: ['cat', file],
						pattern: `^${change.count}\\s*$`,
						proves: `${change.pf.name} has ${change.count} VFs`,
					},
				});
			}
			steps.push({
				title: `Keep ${change.count} VFs on ${change.pf.name} after reboot (udev rule)`,
				writes: [
					{
						path: `/etc/udev/rules.d/70-kvmnet-sriov-${change.pf.name}.rules`,
						content: `# written by kvmnet: recreate the VFs at boot (they are lost on reboot otherwise)\nACTION=="add", SUBSYSTEM=="net", KERNEL=="${change.pf.name}", ATTR{device/sriov_numvfs}="${change.count}"\n`,
					},
				],
				run: ['udevadm', 'control', '--reload'],
				undo: ['udevadm', 'control', '--reload'],
				restoreFilesFirst: true,
			});
			return steps;
		}
	}
}
