// libvirt networks and VMs from one virsh process, asked in two turns: list the UUIDs (with their states), then
// dump every object by UUID.
import {nextTurn} from '../core/next-turn.js';
import type {LibvirtNetwork, LibvirtStatus, Problem, Vm} from '../core/model.js';
import {parseDomainXml, parseNetworkXml, parseVirshVersion} from '../core/parse-libvirt.js';
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

// A UUID as virsh prints it (lower-case hex, 8-4-4-4-12).
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The UUIDs of a `--uuid` listing, one a line, in virsh's order (sorted by name). */
export function uuidList(output: string | undefined): string[] {
	return (output ?? '')
		.split('\n')
		.map((line) => line.trim())
		.filter((line) => uuidPattern.test(line));
}

export async function scanLibvirt(runner: Runner, uri: string): Promise<LibvirtScan> {
	const virsh = VirshSession.open(runner, uri);
	try {
		return await scanWith(virsh, uri);
	} finally {
		await virsh.close();
	}
}

/**
 * Turn 1 lists UUIDs, never names: virsh's tables escape what they cannot print (`café` comes back as
 * `caf\xc3\xa9`), and a name given back to virsh positionally is read as an option when it starts with `-`
 * (`--all`) or as another option's value (`--network=default`). The states come from filtered UUID lists
 * (man virsh: `net-list [--inactive | --all] --uuid [--transient] [--autostart]`, `list --all --uuid
 * [--transient] [--autostart] [--state-running] [--state-paused] [--state-shutoff]`). Turn 2 dumps each object
 * by UUID with the option form (`net-dumpxml --network UUID`, `dumpxml --domain UUID`); names come from the XML.
 */
const listingCommands = [
	['uri'],
	['version'],
	['net-list', '--all', '--uuid'],
	['net-list', '--inactive', '--uuid'],
	['net-list', '--all', '--uuid', '--autostart'],
	['net-list', '--all', '--uuid', '--transient'],
	['list', '--all', '--uuid'],
	['list', '--all', '--uuid', '--autostart'],
	['list', '--all', '--uuid', '--transient'],
	['list', '--all', '--uuid', '--state-running'],
	['list', '--all', '--uuid', '--state-paused'],
	['list', '--all', '--uuid', '--state-shutoff'],
];

async function scanWith(virsh: VirshSession, uri: string): Promise<LibvirtScan> {
	const listing = await virsh.run(listingCommands);
	if (listing.failure) {
		const {result, message} = listing.failure;
		// A hung libvirtd (virsh ran out of time) is said as such: the message names virsh, the time and the URI.
		const timeout = result.timedOut ? describeTimeout(result) : undefined;
		return {
			status: {uri, reachable: false, error: message, ...(timeout ? {timeout} : {})},
			networks: [],
			vms: [],
			problems: [
				timeout
					? {area: 'libvirt', message, timeout}
					: {area: 'libvirt', message: `libvirt at ${uri} is not reachable: ${message}`},
			],
		};
	}
	const [uriOut, versionOut, ...lists] = listing.outputs;
	const [
		networkUuids,
		inactive,
		netAutostart,
		netTransient,
		domainUuids,
		autostart,
		transient,
		running,
		paused,
		shutoff,
	] = lists.map(uuidList) as string[][];
	const status: LibvirtStatus = {uri: uriOut?.trim() || uri, reachable: true};
	const version = parseVirshVersion(versionOut ?? '');
	if (version.library) status.version = version.library;
	if (version.hypervisor) status.hypervisor = version.hypervisor;
	const inactiveSet = new Set(inactive);
	const netAutostartSet = new Set(netAutostart);
	const netTransientSet = new Set(netTransient);
	const autostartSet = new Set(autostart);
	const transientSet = new Set(transient);
	// The three common states by list; any other (idle, in shutdown, crashed, pmsuspended…) is asked with domstate.
	const states = new Map<string, string>();
	for (const [list, state] of [
		[shutoff, 'shut off'],
		[paused, 'paused'],
		[running, 'running'],
	] as const)
		for (const uuid of list!) states.set(uuid, state);
	const others = domainUuids!.filter((uuid) => !states.has(uuid));

	// Turn 2: every object's XML, parsed as each dump arrives (while virsh writes the next ones).
	const parsed: (
		{network: ReturnType<typeof parseNetworkXml>} | {vm: ReturnType<typeof parseDomainXml>} | {error: string}
	)[] = [];
	const networkCount = networkUuids!.length;
	const dumpCount = networkCount + domainUuids!.length;
	const parseAnswer = (index: number, xml: string) => {
		if (index >= dumpCount || !xml.trim()) return;
		try {
			parsed[index] =
				index < networkCount
					? {network: parseNetworkXml(xml, {fromLibvirt: true})}
					: {vm: parseDomainXml(xml, {fromLibvirt: true})};
		} catch (error) {
			parsed[index] = {error: (error as Error).message};
		}
	};
	const queue = new ParseQueue(parseAnswer);
	const details = await virsh.run(
		[
			...networkUuids!.map((uuid) => ['net-dumpxml', '--network', uuid]),
			...domainUuids!.map((uuid) => ['dumpxml', '--domain', uuid]),
			...others.map((uuid) => ['domstate', '--domain', uuid]),
		],
		(index, xml) => queue.add(index, xml),
	);
	await queue.done();
	for (const [i, uuid] of others.entries()) {
		const state = details.outputs[dumpCount + i]?.trim().split('\n')[0]?.trim();
		if (state) states.set(uuid, state);
	}
	const problems: Problem[] = virsh
		.errors()
		.filter((line) => line.startsWith('error:') && !/hypervisor version/.test(line))
		.map((message) => ({area: 'libvirt', message}));
	if (details.failure) {
		const {result, message} = details.failure;
		problems.push({
			area: 'libvirt',
			message: `reading libvirt objects failed: ${message}`,
			...(result.timedOut ? {timeout: describeTimeout(result)} : {}),
		});
	}

	const networks: LibvirtNetwork[] = [];
	for (const [i, uuid] of networkUuids!.entries()) {
		const result = parsed[i];
		// An object can vanish between the listing and the dump (another admin, a transient network ending).
		if (!result) problems.push({area: 'libvirt', message: `network ${uuid} disappeared while it was being read`});
		else if ('error' in result) problems.push({area: 'libvirt', message: `network ${uuid}: ${result.error}`});
		else if ('network' in result)
			networks.push({
				...result.network,
				uuid: result.network.uuid ?? uuid,
				active: !inactiveSet.has(uuid),
				autostart: netAutostartSet.has(uuid),
				persistent: !netTransientSet.has(uuid),
			});
	}
	const vms: Vm[] = [];
	for (const [i, uuid] of domainUuids!.entries()) {
		const result = parsed[networkCount + i];
		if (!result) problems.push({area: 'libvirt', message: `VM ${uuid} disappeared while it was being read`});
		else if ('error' in result) problems.push({area: 'libvirt', message: `VM ${uuid}: ${result.error}`});
		else if ('vm' in result)
			vms.push({
				...result.vm,
				uuid: result.vm.uuid ?? uuid,
				state: states.get(uuid) ?? 'unknown',
				persistent: !transientSet.has(uuid),
				autostart: autostartSet.has(uuid),
			});
	}
	return {status, networks, vms, problems};
}
