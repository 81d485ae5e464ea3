// Host steps with netplan: one file of kvmnet's own in /etc/netplan, then `netplan apply`; undo removes the file
// first and applies again.
import type {HostModel, Nic} from '../../core/model.js';
import type {PlanStep} from '../../core/plan.js';
import {cidr, isDhcp, link, movable, routesVia, sshRisk, type HostStepBuilder} from './shared.js';

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

export const netplan: HostStepBuilder = {
	bridge(host: HostModel, bridge: string, uplink: Nic): PlanStep[] {
		const ssh = host.header.ssh?.interface === uplink.name;
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
	},
	vlanBridge(parent: Nic, id: number, bridge: string): PlanStep[] {
		const vlan = `${parent.name}.${id}`;
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
	},
};
