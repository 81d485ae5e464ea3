// libvirt networks and VMs from one virsh process, asked in two turns: list the names, then dump every object's
// state and XML.
import {nextTurn} from '../core/next-turn.js';
import type {LibvirtNetwork, LibvirtStatus, Problem, Vm} from '../core/model.js';
import {parseDomainList, parseDomainXml, parseNetList, parseNetworkXml, parseVirshVersion} from '../core/parse-libvirt.js';
import {describeTimeout, type Runner} from './runner.js';
import {VirshSession} from './virsh.js';

/**
 * Parses virsh's answers as they arrive, a few milliseconds at a time: a pipe chunk can hold a hundred dumps, and
 * parsing them in one go would hold the event loop (and the UI) for that long.
 */
class ParseQueue {
	private readonly pending: [number, string][] = [];
	private next = 0;
	private scheduled = false;
	private drained?: () => void;

	constructor(private readonly parse: (index: number, xml: string) => void) {}

	add(index: number, xml: string): void {
		this.pending.push([index, xml]);
		this.schedule();
	}

	/** Resolves once every answer added so far is parsed. */
	done(): Promise<void> {
		return this.next === this.pending.length ? Promise.resolve() : new Promise((resolve) => (this.drained = resolve));
	}

	private schedule(): void {
		if (this.scheduled) return;
		this.scheduled = true;
		void nextTurn().then(() => this.drain());
	}

	private drain(): void {
		this.scheduled = false;
		const started = performance.now();
		while (this.next < this.pending.length && performance.now() - started < 8) {
			const [index, xml] = this.pending[this.next++]!;
			this.parse(index, xml);
		}
		if (this.next < this.pending.length) this.schedule();
		else this.drained?.();
	}
}

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
	const virsh = VirshSession.open(runner, uri);
	try {
		return await scanWith(virsh, uri);
	} finally {
		await virsh.close();
	}
}

async function scanWith(virsh: VirshSession, uri: string): Promise<LibvirtScan> {
	// Turn 1: who is there, with their states (the tables carry what net-info and dominfo would say).
	const listing = await virsh.run([['uri'], ['version'], ['net-list', '--all'], ['list', '--all'], ['list', '--all', '--autostart', '--name'], ['list', '--all', '--transient', '--name']]);
	if (listing.failure) {
		const {result, message} = listing.failure;
		// A hung libvirtd (virsh ran out of time) is said as such: the message names virsh, the time and the URI.
		const timeout = result.timedOut ? describeTimeout(result) : undefined;
		return {
			status: {uri, reachable: false, error: message, ...(timeout ? {timeout} : {})},
			networks: [],
			vms: [],
			problems: [timeout ? {area: 'libvirt', message, timeout} : {area: 'libvirt', message: `libvirt at ${uri} is not reachable: ${message}`}],
		};
	}
	const [uriOut, versionOut, networksOut, domainsOut, autostartOut, transientOut] = listing.outputs;
	const status: LibvirtStatus = {uri: uriOut?.trim() || uri, reachable: true};
	const version = parseVirshVersion(versionOut ?? '');
	if (version.library) status.version = version.library;
	if (version.hypervisor) status.hypervisor = version.hypervisor;
	const listedNetworks = parseNetList(networksOut ?? '');
	const listedDomains = parseDomainList(domainsOut ?? '');
	const autostart = new Set(names(autostartOut));
	const transient = new Set(names(transientOut));

	// Turn 2: every object's XML, parsed as each dump arrives (while virsh writes the next ones).
	const parsed: ({network: ReturnType<typeof parseNetworkXml>} | {vm: ReturnType<typeof parseDomainXml>} | {error: string})[] = [];
	const parseAnswer = (index: number, xml: string) => {
		if (!xml.trim()) return;
		try {
			parsed[index] = index < listedNetworks.length ? {network: parseNetworkXml(xml, {fromLibvirt: true})} : {vm: parseDomainXml(xml, {fromLibvirt: true})};
		} catch (error) {
			parsed[index] = {error: (error as Error).message};
		}
	};
	const queue = new ParseQueue(parseAnswer);
	const details = await virsh.run([...listedNetworks.map((n) => ['net-dumpxml', n.name]), ...listedDomains.map((d) => ['dumpxml', d.name])], (index, xml) => queue.add(index, xml));
	await queue.done();
	const problems: Problem[] = virsh
		.errors()
		.filter((line) => line.startsWith('error:') && !/hypervisor version/.test(line))
		.map((message) => ({area: 'libvirt', message}));
	if (details.failure) {
		const {result, message} = details.failure;
		problems.push({area: 'libvirt', message: `reading libvirt objects failed: ${message}`, ...(result.timedOut ? {timeout: describeTimeout(result)} : {})});
	}

	const networks: LibvirtNetwork[] = [];
	for (const [i, listed] of listedNetworks.entries()) {
		const result = parsed[i];
		// An object can vanish between the listing and the dump (another admin, a transient network ending).
		if (!result) problems.push({area: 'libvirt', message: `network ${listed.name} disappeared while it was being read`});
		else if ('error' in result) problems.push({area: 'libvirt', message: `network ${listed.name}: ${result.error}`});
		else if ('network' in result) networks.push({...result.network, active: listed.active, autostart: listed.autostart, persistent: listed.persistent});
	}
	const vms: Vm[] = [];
	for (const [i, listed] of listedDomains.entries()) {
		const result = parsed[listedNetworks.length + i];
		if (!result) problems.push({area: 'libvirt', message: `VM ${listed.name} disappeared while it was being read`});
		else if ('error' in result) problems.push({area: 'libvirt', message: `VM ${listed.name}: ${result.error}`});
		else if ('vm' in result) vms.push({...result.vm, state: listed.state, persistent: !transient.has(listed.name), autostart: autostart.has(listed.name)});
	}
	return {status, networks, vms, problems};
}
