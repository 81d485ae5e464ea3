// Running the probe for the TUI and the CLI alike: the host is scanned afresh (a network just applied is in it),
// then probed here, or, on a host reached over ssh, by kvmnet there (its endpoints are namespaces on that host and
// are swept by that kvmnet's pid), whose commands and matrix come back as events. One probe at a time; stop() asks
// it to end before its next command, and it removes what it made either way.
import type {SshConnection} from '../core/connection.js';
import {probeSubject, type ProbeReport} from '../core/probe.js';
import {loadHost, type LoadOptions} from './load-host.js';
import {probeNetwork} from './probe.js';
import {ensureAgent, runAgent} from './remote-agent.js';
import {runnerFor} from './scan.js';

export interface ProbeHooks {
	/** Each command as it starts (`$ ip netns add …`), for a live log. */
	onLine?: (text: string) => void;
	/** The address beyond the host a guest should reach (default: the host's gateway, or the LAN's router). */
	target?: string;
}

/** Why the probe could not run at all (no root, no libvirt, no such network, the connection): said as it is. */
export class ProbeRefusal extends Error {}

export interface ProbeService {
	/** Scans the host and probes its network `name`; rejects with a ProbeRefusal when it cannot run there. */
	probe(name: string, hooks?: ProbeHooks): Promise<ProbeReport>;
	/** Ends the probe under way before its next command (what it made is removed). */
	stop(): void;
	/** Resolves once no probe runs (its endpoints removed). */
	idle(): Promise<void>;
}

function serviceOf(run: (name: string, hooks: ProbeHooks, stop: AbortSignal) => Promise<ProbeReport>): ProbeService {
	let current: AbortController | undefined;
	let busy: Promise<unknown> = Promise.resolve();
	return {
		probe(name, hooks = {}) {
			current?.abort();
			const stop = new AbortController();
			current = stop;
			const work = busy.then(() => run(name, hooks, stop.signal));
			busy = work.catch(() => undefined);
			return work;
		},
		stop: () => current?.abort(),
		idle: () => busy.then(() => undefined),
	};
}

/** The probe on this machine (or the libvirt `load.connect` names here). */
export function localProbeService(load: LoadOptions): ProbeService {
	return serviceOf(async (name, hooks, stop) => {
		// Never the demo in place of an unreachable libvirt: the probe says that libvirt does not answer.
		const host = await loadHost({...load, demoWhenNoLibvirt: false});
		const subject = probeSubject(host, name);
		if ('error' in subject) throw new ProbeRefusal(subject.error);
		return probeNetwork(runnerFor(host.header.libvirt.uri), host, subject.network, {
			...(hooks.target ? {target: hooks.target} : {}),
			stop,
			onCommand: (argv) => hooks.onLine?.(`$ ${argv.join(' ')}`),
		});
	});
}

/** The probe on a host reached over ssh, run by kvmnet there (`kvmnet probe NAME --events`). */
export function remoteProbeService(connection: SshConnection): ProbeService {
	const runner = runnerFor(connection.uri);
	const where = runner.transport.where;
	return serviceOf(async (name, hooks, stop) => {
		const agent = await ensureAgent(runner).catch((error: Error) => {
			throw new ProbeRefusal(error.message);
		});
		const run = await runAgent(
			runner,
			agent,
			['probe', name, '--events', ...(hooks.target ? ['--target', hooks.target] : []), '-c', connection.hostUri],
			{onLog: (line) => hooks.onLine?.(line.text), onText: (_stream, line) => hooks.onLine?.(line), stop},
		);
		if (run.probe) return run.probe;
		if (run.lost)
			throw new ProbeRefusal(`the connection to ${where} was lost (${run.lost}); the probe there removes what it made`);
		const said = run.errors.map((line) => line.replace(/^kvmnet: (probe: )?/, '')).join(' ');
		throw new ProbeRefusal(said || `kvmnet probe on ${where} ended with exit ${run.exitCode ?? 'unknown'}`);
	});
}
