// A whole-host scan: links, OVS, libvirt and the machine header, all at once, in a fixed handful of processes
// (one ip, one ovs-vsctl, one virsh) however many links, networks and VMs the host has.
import {assembleHost} from '../core/host-model.js';
import type {HostCapabilities, HostModel} from '../core/model.js';
import {parseSshConnection} from '../core/ssh.js';
import {parseConnection, virshUriOf} from '../core/connection.js';
import {Runner} from './runner.js';
import {localHostname, runningAsRoot, scanMachine, scanRemoteMachine} from './scan-header.js';
import {scanCapabilities} from './scan-capabilities.js';
import {scanLibvirt} from './scan-libvirt.js';
import {scanLinks, type LinkScan} from './scan-links.js';
import {scanOvs} from './scan-ovs.js';
import {transportFor} from './transport.js';
import {resolveLibvirtUri} from './virsh.js';

export interface ScanOptions {
	/** libvirt URI given with --connect. */
	connect?: string;
	env?: NodeJS.ProcessEnv;
	sysfsNet?: string;
	runner?: Runner;
}

const remoteRunners = new Map<string, Runner>();

/**
 * The runner for the host a URI names: this machine (a new one each time, as before), or the remote one through
 * its transport: one per URI for the whole process, so the scan, the doctor and an apply share one connection.
 */
export function runnerFor(uri: string, env?: NodeJS.ProcessEnv): Runner {
	const transport = transportFor(uri);
	if (transport.connection.kind === 'local') return new Runner({transport, ...(env ? {env} : {})});
	let runner = remoteRunners.get(uri);
	if (!runner) {
		runner = new Runner({transport, ...(env ? {env} : {})});
		remoteRunners.set(uri, runner);
	}
	return runner;
}

export async function scanHost(options: ScanOptions = {}): Promise<HostModel> {
	const started = performance.now();
	const env = options.env ?? process.env;
	const uri = resolveLibvirtUri(options.connect, env);
	const runner = options.runner ?? runnerFor(uri, env);
	// What the URI names (a runner given by the caller reaches this machine, or that same remote host).
	const connection = runner.transport.connection.kind === 'local' ? parseConnection(uri) : runner.transport.connection;
	const firstCommand = runner.history.length;
	// A remote host: facts and commands are all its own, over one connection. The first command opens it and says
	// who kvmnet is there (its SSH_CONNECTION as the host sees it, and the interface it arrives by); the rest start as
	// soon as the connection is up, not after that answer. On a remote host every command is a round trip or two:
	// the scans ask all they may need at once rather than one question after another's answer.
	// Each scan checks the connection anew (a rescan after it dropped must say so, not show the old facts).
	runner.resetSession();
	const sessionAnswer = runner.session();
	const remote = connection.kind !== 'local';
	const shellByDesign = connection.kind !== 'no-shell';
	const localSsh = remote ? undefined : parseSshConnection(env['SSH_CONNECTION']);
	const remoteSsh = remote
		? sessionAnswer.then((session) =>
				parseSshConnection('sshConnection' in session ? session.sshConnection : undefined),
			)
		: Promise.resolve(undefined);
	const nothing: LinkScan = {nics: [], routes: [], problems: []};
	// virsh first: it answers in two turns (names, then every object's XML), the longest chain of the scan. The
	// capabilities' reads go alongside (their OVS state is filled in from the OVS scan below).
	const [libvirt, scannedLinks, scannedOvs, machine, found, session] = await Promise.all([
		scanLibvirt(runner, virshUriOf(connection)),
		shellByDesign
			? scanLinks(runner, {
					...(localSsh ? {routeTo: localSsh.clientAddress} : {}),
					...(options.sysfsNet ? {sysfsNet: options.sysfsNet} : {}),
				})
			: nothing,
		shellByDesign ? scanOvs(runner, env) : {installed: false, bridges: [], problems: []},
		remote ? scanRemoteMachine(runner) : scanMachine(),
		shellByDesign ? scanCapabilities(runner, {ovs: 'missing'}, env) : undefined,
		sessionAnswer,
	]);
	// The connection failed: nothing of the host could be read (what the commands said is not the host's).
	const noShell = !shellByDesign || 'error' in session;
	const links = noShell ? nothing : scannedLinks;
	const ovs = noShell ? {installed: false, bridges: [], problems: []} : scannedOvs;
	const ssh = remote ? await remoteSsh : localSsh;
	if (remote && 'routeDevice' in session && session.routeDevice) links.routeDevice = session.routeDevice;
	// The header names the URI the user gave, not the host's own form of it that virsh ran with.
	libvirt.status.uri = uri;
	const capabilities: HostCapabilities = {
		...((noShell ? undefined : found) ?? {
			iommuGroups: 0,
			networkManager: {kind: 'iproute2', reason: 'unknown: kvmnet has no shell on this host', connections: {}},
		}),
		ovs: !ovs.installed ? 'missing' : ovs.problems.length > 0 ? 'stopped' : 'running',
	};
	if (ssh) {
		if (links.routeDevice) ssh.interface = links.routeDevice;
		else ssh.error = `no route to the SSH client ${ssh.clientAddress} was found`;
	}
	const why =
		connection.kind === 'no-shell'
			? `host facts unavailable over ${connection.transport}: NICs, bridges and the host's settings are not shown, and host steps are refused`
			: 'error' in session
				? `host facts unavailable: ${session.error}`
				: undefined;
	const access = remote ? {remote: {via: runner.transport.where, hostFacts: !noShell, ...(why ? {why} : {})}} : {};
	return assembleHost({
		source: 'live',
		header: {
			hostname: localHostname(),
			isRoot: runningAsRoot(),
			...machine,
			libvirt: libvirt.status,
			...(ssh ? {ssh} : {}),
			...access,
		},
		nics: links.nics,
		ovsBridges: ovs.bridges,
		networks: libvirt.networks,
		vms: libvirt.vms,
		routes: links.routes,
		capabilities,
		problems: [...(why ? [{area: 'host', message: why}] : []), ...links.problems, ...ovs.problems, ...libvirt.problems],
		commands: runner.history.slice(firstCommand),
		milliseconds: performance.now() - started,
	});
}
