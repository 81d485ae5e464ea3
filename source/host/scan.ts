// A whole-host scan: links, OVS, libvirt and the machine header, all at once, in a fixed handful of processes
// (one ip, one ovs-vsctl, one virsh) however many links, networks and VMs the host has.
import {assembleHost} from '../core/host-model.js';
import type {HostModel} from '../core/model.js';
import {parseSshConnection} from '../core/ssh.js';
import {Runner} from './runner.js';
import {localHostname, runningAsRoot, scanMachine} from './scan-header.js';
import {scanCapabilities} from './scan-capabilities.js';
import {scanLibvirt} from './scan-libvirt.js';
import {scanLinks} from './scan-links.js';
import {scanOvs} from './scan-ovs.js';
import {resolveLibvirtUri} from './virsh.js';

export interface ScanOptions {
	/** libvirt URI given with --connect. */
	connect?: string;
	env?: NodeJS.ProcessEnv;
	sysfsNet?: string;
	runner?: Runner;
}

export async function scanHost(options: ScanOptions = {}): Promise<HostModel> {
	const started = performance.now();
	const env = options.env ?? process.env;
	const runner = options.runner ?? new Runner();
	const firstCommand = runner.history.length;
	const ssh = parseSshConnection(env['SSH_CONNECTION']);
	const uri = resolveLibvirtUri(options.connect, env);
	// virsh first: it answers in two turns (names, then every object's XML), the longest chain of the scan.
	const [libvirt, links, ovs, machine] = await Promise.all([
		scanLibvirt(runner, uri),
		scanLinks(runner, {
			...(ssh ? {routeTo: ssh.clientAddress} : {}),
			...(options.sysfsNet ? {sysfsNet: options.sysfsNet} : {}),
		}),
		scanOvs(runner, env),
		scanMachine(),
	]);
	const capabilities = await scanCapabilities(
		runner,
		{ovs: !ovs.installed ? 'missing' : ovs.problems.length > 0 ? 'stopped' : 'running'},
		env,
	);
	if (ssh) {
		if (links.routeDevice) ssh.interface = links.routeDevice;
		else ssh.error = `no route to the SSH client ${ssh.clientAddress} was found`;
	}
	return assembleHost({
		source: 'live',
		header: {
			hostname: localHostname(),
			isRoot: runningAsRoot(),
			libvirt: libvirt.status,
			...machine,
			...(ssh ? {ssh} : {}),
		},
		nics: links.nics,
		ovsBridges: ovs.bridges,
		networks: libvirt.networks,
		vms: libvirt.vms,
		routes: links.routes,
		capabilities,
		problems: [...links.problems, ...ovs.problems, ...libvirt.problems],
		commands: runner.history.slice(firstCommand),
		milliseconds: performance.now() - started,
	});
}
