// The apply screen's service for a host reached over ssh: every apply, confirmation and undo is done by kvmnet on
// that host (remote-agent.ts), so its journal and its SSH guard live there, as with `kvmnet apply -c`. The screen
// gets the agent's log lines and step states as they come, and follows the host's journal while a change waits to
// be kept. Nothing of it reads or writes this machine's journals.
import type {SshConnection} from '../core/connection.js';
import {leftHalfWay, type Journal} from '../core/journal.js';
import type {Plan} from '../core/plan.js';
import type {ApplyService} from './apply-service.js';
import {
	applyOnAgent,
	confirmOverNewConnection,
	ensureAgent,
	listAgentJournals,
	runAgent,
	type Agent,
	type AgentRun,
} from './remote-agent.js';
import {runnerFor} from './scan.js';

/** Why the agent's work did not end with a journal, in words: its refusals, or the lost connection. */
function failure(run: AgentRun, where: string, doing: string, uri: string): Error {
	if (run.lost)
		return new Error(
			`The ${doing} on ${where} did not report its end (${run.lost}). If kvmnet there still runs, it goes on by itself: it finishes or rolls back, and its guard undoes a change to the SSH path that nobody confirmed; if it died, the change is half-way. kvmnet undo --list -c '${uri}' shows which.`,
		);
	const said = run.errors.map((line) => line.replace(/^kvmnet: /, '')).join(' ');
	return new Error(said || `kvmnet on ${where} ended with exit ${run.exitCode ?? 'unknown'}`);
}

export function remoteApplyService(uri: string, connection: SshConnection, guardSeconds?: number): ApplyService {
	const runner = runnerFor(uri);
	const where = runner.transport.where;
	let agent: Promise<Agent> | undefined;
	const agentThere = () => {
		agent ??= ensureAgent(runner);
		// A failed install is tried again next time (node installed meanwhile, the host back).
		agent.catch(() => (agent = undefined));
		return agent;
	};
	let stopReason: string | undefined;
	let busy: Promise<unknown> = Promise.resolve();
	const guards = new Map<string, boolean>();
	// The host's clock may differ from this one: its deadline is shown in ours, shifted by how far apart they were
	// when the apply ended (its journal was saved, deadline armed, as it reported it).
	let clockOffset = 0;
	const inOurClock = (journal: Journal): Journal =>
		journal.guard?.deadline
			? {
					...journal,
					guard: {...journal.guard, deadline: new Date(Date.parse(journal.guard.deadline) + clockOffset).toISOString()},
				}
			: journal;
	const track = <T>(work: Promise<T>) => {
		busy = work.catch(() => undefined);
		return work;
	};
	const read = async (journal: Pick<Journal, 'id'>) => {
		const found = (await listAgentJournals(runner, await agentThere())).find(
			(entry) => entry.journal.id === journal.id,
		);
		if (!found) throw new Error(`the journal ${journal.id} is not on ${where} any more`);
		guards.set(found.journal.id, found.guardAlive);
		return inOurClock(found.journal);
	};
	return {
		// The host's kvmnet checks the plan against the host itself when it applies; here, only that it can run there.
		preflight: async (plan) => {
			try {
				await agentThere();
				return {problems: [], plan};
			} catch (error) {
				return {problems: [(error as Error).message]};
			}
		},
		apply: (plan: Plan, hooks) =>
			track(
				(async () => {
					stopReason = undefined;
					const there = await agentThere();
					const stop = new AbortController();
					// The screen's Esc (or a signal to the app): asked of the host's kvmnet before its next step.
					const watch = setInterval(() => {
						if (!stop.signal.aborted && (stopReason || hooks.shouldStop?.())) stop.abort();
					}, 100);
					try {
						const run = await applyOnAgent(runner, there, plan, {
							hostUri: connection.hostUri,
							...(guardSeconds === undefined ? {} : {guardSeconds}),
							hooks: {
								...(hooks.onLog ? {onLog: hooks.onLog} : {}),
								...(hooks.onStep ? {onStep: hooks.onStep} : {}),
								stop: stop.signal,
							},
						});
						if (run.lost || !run.journal) throw failure(run, where, 'apply', uri);
						guards.set(run.journal.id, run.guardAlive);
						const offset = Date.now() - Date.parse(run.journal.updatedAt);
						clockOffset = Number.isFinite(offset) ? offset : 0;
						return inOurClock(run.journal);
					} finally {
						clearInterval(watch);
					}
				})(),
			),
		// The host's kvmnet started the countdown as the apply ended.
		arm: async (journal) => journal,
		keep: async (journal) => {
			const run = await confirmOverNewConnection(runner, await agentThere());
			if (run.lost || run.exitCode !== 0) throw failure(run, where, 'confirmation', uri);
			return read(journal);
		},
		undo: (journal, hooks) =>
			track(
				(async () => {
					const run = await runAgent(
						runner,
						await agentThere(),
						['undo', journal.id, '--yes', '--events', '-c', connection.hostUri],
						{
							...(hooks.onLog ? {onLog: hooks.onLog} : {}),
							...(hooks.onStep ? {onStep: hooks.onStep} : {}),
							// An undo of the SSH path runs in the host's guard, whose log comes as text: shown all the same.
							onText: (stream, line) =>
								hooks.onLog?.({
									time: new Date().toISOString(),
									step: -1,
									stream: stream === 'stderr' ? 'error' : 'info',
									text: line,
								}),
						},
					);
					if (run.lost || !run.journal) throw failure(run, where, 'undo', uri);
					// The steps as the undo left them (a guard's undo reports no step events of its own).
					run.journal.steps.forEach((step, index) => hooks.onStep?.(index, step.state));
					return inOurClock(run.journal);
				})(),
			),
		read,
		guardAlive: async (journal) => guards.get(journal.id) ?? false,
		reachable: async (address) => (await runner.run(['ping', '-c', '1', '-W', '1', address], {timeoutMs: 3000})).ok,
		// An apply or undo there that stopped half-way (its kvmnet died): offered at start, as for this machine. Only
		// when kvmnet is on the host already: looking copies nothing there.
		interrupted: async () => {
			const installed = await ensureAgent(runner, {install: false}).catch(() => undefined);
			if (!installed) return undefined;
			const listed = await listAgentJournals(runner, installed).catch(() => []);
			return listed.find(({journal, alive, guardAlive}) => leftHalfWay(journal, {alive, guardAlive}))?.journal;
		},
		stop: (reason) => {
			stopReason = reason;
		},
		idle: () => busy.then(() => undefined),
	};
}
