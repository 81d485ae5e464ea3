// Host steps with plain iproute2 (`ip`), for hosts whose network no manager owns: each step is one `ip` command
// with its undo and a check read back from `ip -j`. They are lost at reboot (the plan says so).
import type {HostModel, Nic} from '../../core/model.js';
import type {PlanStep} from '../../core/plan.js';
import {cidr, familyFlag, link, movable, routesVia, sshRisk, type HostStepBuilder} from './shared.js';

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

export const iproute2: HostStepBuilder = {
	bridge: bridgeIproute2,
	vlanBridge(parent: Nic, id: number, bridge: string): PlanStep[] {
		const vlan = `${parent.name}.${id}`;
		// A VLAN device is only as up as its parent: on a spare NIC that is down it stays LOWERLAYERDOWN.
		const parentUp: PlanStep[] = parent.adminUp
			? []
			: [
					{
						title: `Bring ${parent.name} up (the VLAN runs over it)`,
						run: ['ip', 'link', 'set', 'dev', parent.name, 'up'],
						undo: ['ip', 'link', 'set', 'dev', parent.name, 'down'],
						verify: link.up(parent.name),
					},
				];
		return [
			...parentUp,
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
	},
};
