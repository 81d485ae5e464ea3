// libvirt networks and VMs in two virsh processes: one lists names, one dumps every object's state and XML.
import type {LibvirtNetwork, LibvirtStatus, Problem, Vm} from '../core/model.js';
import {parseDomainXml, parseNetworkXml, parseVirshInfo, parseVirshVersion, yes} from '../core/parse-libvirt.js';
import type {Runner} from './runner.js';
import {virshBatch} from './virsh.js';

export interface LibvirtScan {
	status: LibvirtStatus;
	networks: LibvirtNetwork[];
	vms: Vm[];
	problems: Problem[];
}

const names = (output: string | undefined) =>
	(output ?? '')
		.split('\n')
		.map((line) => line.trim())
		.filter((line) => line !== '');

export async function scanLibvirt(runner: Runner, uri: string): Promise<LibvirtScan> {
	const listing = await virshBatch(runner, uri, [['uri'], ['version'], ['net-list', '--all', '--name'], ['list', '--all', '--name']]);
	if (listing.failure) {
		return {
			status: {uri, reachable: false, error: listing.failure.message},
			networks: [],
			vms: [],
			problems: [{area: 'libvirt', message: `libvirt at ${uri} is not reachable: ${listing.failure.message}`}],
		};
	}
	const [uriOut, versionOut, networksOut, domainsOut] = listing.outputs;
	const status: LibvirtStatus = {uri: uriOut?.trim() || uri, reachable: true};
	const version = parseVirshVersion(versionOut ?? '');
	if (version.library) status.version = version.library;
	if (version.hypervisor) status.hypervisor = version.hypervisor;
	const networkNames = names(networksOut);
	const domainNames = names(domainsOut);
	const problems: Problem[] = listing.errors
		.filter((line) => line.startsWith('error:') && !/hypervisor version/.test(line))
		.map((message) => ({area: 'libvirt', message}));

	const details = await virshBatch(runner, uri, [
		...networkNames.flatMap((name) => [
			['net-info', name],
			['net-dumpxml', name],
		]),
		...domainNames.flatMap((name) => [
			['dominfo', name],
			['dumpxml', name],
		]),
	]);
	if (details.failure) problems.push({area: 'libvirt', message: `reading libvirt objects failed: ${details.failure.message}`});

	const networks: LibvirtNetwork[] = [];
	networkNames.forEach((name, i) => {
		const info = details.outputs[2 * i];
		const xml = details.outputs[2 * i + 1];
		// An object can vanish between the listing and the dump (another admin, a transient network ending).
		if (!info || !xml?.trim()) {
			problems.push({area: 'libvirt', message: `network ${name} disappeared while it was being read`});
			return;
		}
		try {
			const fields = parseVirshInfo(info);
			networks.push({...parseNetworkXml(xml), active: yes(fields['active']), autostart: yes(fields['autostart']), persistent: yes(fields['persistent'])});
		} catch (error) {
			problems.push({area: 'libvirt', message: `network ${name}: ${(error as Error).message}`});
		}
	});
	const offset = 2 * networkNames.length;
	const vms: Vm[] = [];
	domainNames.forEach((name, i) => {
		const info = details.outputs[offset + 2 * i];
		const xml = details.outputs[offset + 2 * i + 1];
		if (!info || !xml?.trim()) {
			problems.push({area: 'libvirt', message: `VM ${name} disappeared while it was being read`});
			return;
		}
		try {
			const fields = parseVirshInfo(info);
			const domain = parseDomainXml(xml);
			const vm: Vm = {...domain, state: fields['state'] ?? 'unknown', persistent: yes(fields['persistent']), autostart: yes(fields['autostart'])};
			vms.push(vm);
		} catch (error) {
			problems.push({area: 'libvirt', message: `VM ${name}: ${(error as Error).message}`});
		}
	});
	return {status, networks, vms, problems};
}
