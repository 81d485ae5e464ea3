// Host steps with ifupdown: a stanza file of kvmnet's own in /etc/network/interfaces.d, brought up with `ifup`
// (and down with `ifdown`, which reads the same file, so it stays until the undo has run); for a bridge, the
// uplink's own stanza in /etc/network/interfaces loses its address (ifupdown-stanzas.ts), and undo puts it back.
import type {HostModel, Nic} from '../../core/model.js';
import type {FileWrite, PlanStep} from '../../core/plan.js';
import {withoutOwnAddress} from './ifupdown-stanzas.js';
import {cidr, defaultGateway, isDhcp, link, movable, routesVia, sshRisk, type HostStepBuilder} from './shared.js';

function ifupdownStep(
	file: string,
	lines: string[],
	title: string,
	up: string,
	ssh: boolean,
	uplink: string,
	also: FileWrite[] = [],
): PlanStep[] {
	return [
		{
			title,
			writes: [...also, {path: file, content: `# written by kvmnet\n${lines.join('\n')}\n`}],
			// bridge_ports is bridge-utils' option: without its ifupdown hook, ifup makes no bridge.
			...(lines.some((line) => line.trim().startsWith('bridge_ports')) ? {needs: ['brctl']} : {}),
			run: ['ifup', up],
			// ifdown reads the stanza from the file: it must still be there when the undo runs.
			undo: ['ifdown', up],
			verify: link.exists(up),
			...(ssh ? {risk: sshRisk(uplink, 'ifupdown brings it up inside the bridge'), touchesSsh: true} : {}),
		},
	];
}

export const ifupdown: HostStepBuilder = {
	bridge(host: HostModel, bridge: string, uplink: Nic): PlanStep[] {
		const ssh = host.header.ssh?.interface === uplink.name;
		const v4 = movable(uplink).find((a) => a.family === 'ipv4');
		const gateway = defaultGateway(routesVia(host, uplink), 'ipv4');
		// Static IPv6 addresses need their own inet6 stanza, or the host loses them (and an SSH session over IPv6).
		const v6 = movable(uplink).filter((a) => a.family === 'ipv6' && !a.dynamic);
		const gateway6 = defaultGateway(routesVia(host, uplink), 'ipv6');
		const main = host.capabilities.networkManager.files?.find((f) => f.path === '/etc/network/interfaces');
		const edit = main?.text === undefined ? undefined : withoutOwnAddress(main.text, uplink.name);
		const also = edit && edit.text !== main!.text ? [{path: main!.path, content: edit.text}] : [];
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
					...(!isDhcp(uplink) && v4 ? [`    address ${cidr(v4)}`, ...(gateway ? [`    gateway ${gateway}`] : [])] : []),
					`    bridge_ports ${uplink.name}`,
					'    bridge_stp off',
					...(uplink.mac ? [`    hwaddress ether ${uplink.mac}`] : []),
					...(edit?.dns ?? []).map((line) => `    ${line}`),
					...(v6.length > 0
						? [
								`iface ${bridge} inet6 static`,
								`    address ${cidr(v6[0]!)}`,
								...(gateway6 ? [`    gateway ${gateway6}`] : []),
								...v6.slice(1).map((a) => `    up ip -6 addr add ${cidr(a)} dev ${bridge}`),
							]
						: []),
				],
				`Write an ifupdown bridge ${bridge} over ${uplink.name}${also.length > 0 ? `, leave ${uplink.name} without its own address in ${main!.path}` : ''} and bring it up`,
				bridge,
				ssh,
				uplink.name,
				also,
			),
		];
	},
	vlanBridge(parent: Nic, id: number, bridge: string): PlanStep[] {
		const vlan = `${parent.name}.${id}`;
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
	},
};
