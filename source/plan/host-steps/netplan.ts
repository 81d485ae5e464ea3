// Host steps with netplan: one file of kvmnet's own in /etc/netplan (and, for a bridge, the files that gave the
// uplink its addresses, rewritten without them), then `netplan apply`; undo puts the files back first and applies
// again.
import type {HostModel, Nic} from '../../core/model.js';
import type {FileWrite, PlanStep} from '../../core/plan.js';
import {withoutAddressing} from './netplan-yaml.js';
import {cidr, HostStepRefusal, isDhcp, link, movable, routesVia, sshRisk, type HostStepBuilder} from './shared.js';

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

/**
 * The netplan files that define `nic`, each rewritten without its addressing (which moves to the bridge), and the
 * nameservers they gave it. A file kvmnet could not read, or one that defines the NIC in a shape it does not
 * rewrite, refuses the plan.
 */
function filesWithoutAddressing(host: HostModel, nic: Nic): {writes: FileWrite[]; nameservers: string[]} {
	const writes: FileWrite[] = [];
	const nameservers: string[] = [];
	for (const file of host.capabilities.networkManager.files ?? []) {
		if (file.text === undefined)
			throw new HostStepRefusal(
				'uplink',
				`uplink: kvmnet could not read ${file.path} (netplan files are for root only), so it cannot take ${nic.name}'s addresses out of it; run kvmnet as root`,
			);
		const edit = withoutAddressing(file.path, file.text, nic.name, nic.mac);
		if ('error' in edit) throw new HostStepRefusal('uplink', `uplink: ${edit.error}`);
		if (!edit.defined) continue;
		if (edit.text !== file.text) writes.push({path: file.path, content: edit.text});
		if (nameservers.length === 0) nameservers.push(...edit.nameservers);
	}
	return {writes, nameservers};
}

/** Whether a netplan file defines `name` (a VLAN's `link:` must name an interface netplan defines). */
function definedByNetplan(host: HostModel, name: string): boolean {
	return (host.capabilities.networkManager.files ?? []).some((file) => {
		const edit = file.text === undefined ? undefined : withoutAddressing(file.path, file.text, name);
		return edit !== undefined && 'defined' in edit && edit.defined;
	});
}

export const netplan: HostStepBuilder = {
	bridge(host: HostModel, bridge: string, uplink: Nic): PlanStep[] {
		const ssh = host.header.ssh?.interface === uplink.name;
		const {writes, nameservers} = filesWithoutAddressing(host, uplink);
		const step = netplanStep(
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
				...nameservers.map((line) => `      ${line}`),
			],
			`Write a netplan bridge ${bridge} over ${uplink.name} and apply it`,
			bridge,
			ssh,
			uplink.name,
		);
		if (writes.length > 0) {
			step.writes = [...writes, ...step.writes!];
			step.title = `Write a netplan bridge ${bridge} over ${uplink.name}, take ${uplink.name}'s addresses out of ${writes.map((w) => w.path).join(', ')}, and apply it`;
		}
		return [step];
	},
	vlanBridge(parent: Nic, id: number, bridge: string, host: HostModel): PlanStep[] {
		const vlan = `${parent.name}.${id}`;
		return [
			netplanStep(
				`/etc/netplan/90-kvmnet-${bridge}.yaml`,
				[
					'# written by kvmnet: VLAN bridge for VMs',
					'network:',
					'  version: 2',
					// netplan refuses a VLAN whose link it does not define ("interface 'eth1' is not defined").
					...(definedByNetplan(host, parent.name) ? [] : ['  ethernets:', `    ${parent.name}: {}`]),
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
