// The built-in demo host: a libvirt test-driver host file and a NIC snapshot, both shipped with kvmnet.
// It is read directly (no virsh needed) so the demo works on a machine without libvirt; the same host file
// also opens with `virsh -c test:///…/demo/host.xml`, and the tests check both readings agree.
import {readFile} from 'node:fs/promises';
import type {DoctorFacts} from '../core/doctor/index.js';
import {assembleHost} from '../core/host-model.js';
import type {Bridge, HostCapabilities, HostModel, LibvirtNetwork, SshSession, Vm} from '../core/model.js';
import {parseIpLinks, parseIpRoutes, type SysfsFacts} from '../core/parse-ip.js';
import {parseDomainXml, parseNetworkXml, parseTestDriverHost} from '../core/parse-libvirt.js';
import {packagedFile} from './packaged.js';

interface DemoSnapshot {
	hostname: string;
	os: string;
	kernel: string;
	cpuVirtualization: 'vmx' | 'svm';
	memoryBytes: number;
	libvirtVersion: string;
	ssh: SshSession;
	links: unknown;
	routes: unknown;
	sysfs: Record<string, SysfsFacts>;
	ovsBridges: Bridge[];
	capabilities: HostCapabilities;
	/** What the doctor would read on the demo host (sysctls, firewall, listeners…). */
	doctor: DoctorFacts;
}

export const demoHostFile = () => packagedFile('demo/host.xml');

export async function loadDemoHost(reason?: string): Promise<HostModel> {
	const started = performance.now();
	const hostFile = demoHostFile();
	const [hostXml, snapshotText] = await Promise.all([
		readFile(hostFile, 'utf8'),
		readFile(packagedFile('demo/nics.json'), 'utf8'),
	]);
	const snapshot = JSON.parse(snapshotText) as DemoSnapshot;
	const host = parseTestDriverHost(hostXml);
	// The test driver starts every network in its file, active and persistent, without autostart.
	const networks: LibvirtNetwork[] = host.networks.map((xml) => ({
		...parseNetworkXml(xml),
		active: true,
		persistent: true,
		autostart: false,
	}));
	const vms: Vm[] = host.domains.map(({xml, running}) => ({
		...parseDomainXml(xml),
		state: running ? 'running' : 'shut off',
		persistent: true,
		autostart: false,
	}));
	const parts: Parameters<typeof assembleHost>[0] = {
		source: 'demo',
		header: {
			hostname: snapshot.hostname,
			os: snapshot.os,
			kernel: snapshot.kernel,
			cpuVirtualization: snapshot.cpuVirtualization,
			kvmDevice: true,
			memoryBytes: snapshot.memoryBytes,
			isRoot: true,
			libvirt: {
				uri: `test://${hostFile}`,
				reachable: true,
				version: snapshot.libvirtVersion,
				hypervisor: 'demo host file',
			},
			ssh: snapshot.ssh,
		},
		nics: parseIpLinks(snapshot.links, snapshot.sysfs),
		ovsBridges: snapshot.ovsBridges,
		networks,
		vms,
		routes: parseIpRoutes(snapshot.routes),
		capabilities: snapshot.capabilities,
		problems: [],
		commands: [],
		milliseconds: performance.now() - started,
	};
	if (reason) parts.demoReason = reason;
	return assembleHost(parts);
}

/** The demo host's doctor facts: a Docker host with a DROP forward policy and IPv6 forwarding off. */
export async function loadDemoDoctorFacts(): Promise<DoctorFacts> {
	return (JSON.parse(await readFile(packagedFile('demo/nics.json'), 'utf8')) as DemoSnapshot).doctor;
}
