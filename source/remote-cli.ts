// `kvmnet apply`, `undo` and `confirm` with a qemu+ssh:// URI: kvmnet runs on that host (its agent, copied there by
// host/remote-agent.ts) and this one shows what it reports. The journal, the lock and the SSH guard are the host's
// own, so a laptop that is killed or drops off the network mid-apply strands nobody: the apply there goes on to its
// end, and its guard undoes a change to the SSH path that nobody confirmed. A confirmation goes over a new
// connection, so "kept" means the host can still be reached, not only that an old connection survived.
import type {CliArgs} from './args.js';
import type {SshConnection} from './core/connection.js';
import {describeJournal, needsUndo, stepsToUndo, type Journal} from './core/journal.js';
import type {Plan} from './core/plan.js';
import {visible} from './core/visible.js';
import {ask, fail, out, showLine, undoListing} from './cli-output.js';
import {defaultGuardSeconds} from './host/guard.js';
import {
	confirmOverNewConnection,
	applyOnAgent,
	ensureAgent,
	listAgentJournals,
	runAgent,
	type Agent,
	type AgentHooks,
	type AgentRun,
} from './host/remote-agent.js';
import type {Runner} from './host/runner.js';
import {runnerFor} from './host/scan.js';
import {catchStopSignals, signalExitCode, type StopSignal} from './stop-signals.js';
import {plural} from './core/words.js';

/** The agent on the URI's host, or undefined once the reason was said. */
async function agentOn(runner: Runner): Promise<Agent | undefined> {
	try {
		return await ensureAgent(runner);
	} catch (error) {
		fail(`${(error as Error).message.replace(/\.$/, '')}. Nothing was changed.`);
		return undefined;
	}
}

/** A line the host's kvmnet printed (not an event): shown as it came, on the same stream. */
const showText = (stream: 'stdout' | 'stderr', line: string) =>
	stream === 'stderr' ? void process.stderr.write(`${visible(line)}\n`) : out(`${visible(line)}\n`);

/**
 * Run kvmnet on the host, its log shown here as the local one would be: `kvmnet ARGS` there, which carries on to its
 * end whatever happens here (an undo, a confirmation), or an apply (`work`), which a signal here asks to stop
 * before its next step and roll back.
 */
async function showAgent(
	runner: Runner,
	agent: Agent,
	work: string[] | ((hooks: AgentHooks) => Promise<AgentRun>),
): Promise<AgentRun & {signal?: StopSignal}> {
	const where = runner.transport.where;
	const stoppable = typeof work === 'function';
	const stop = new AbortController();
	let received: StopSignal | undefined;
	const release = catchStopSignals((signal) => {
		if (!stoppable) return void out(`${signal}: kvmnet on ${where} carries on to its end.\n`);
		if (stop.signal.aborted) return;
		received = signal;
		out(`${signal}: asking kvmnet on ${where} to stop after the step under way and undo what took effect.\n`);
		stop.abort();
	});
	try {
		const hooks: AgentHooks = {onLog: showLine, onText: showText, stop: stop.signal};
		const run = await (stoppable ? work(hooks) : runAgent(runner, agent, work, hooks));
		return received ? {...run, signal: received} : run;
	} finally {
		release();
	}
}

/** The exit status when the outcome is not settled yet, as far as this machine can tell (the host goes on alone). */
const outcomeUnknownExit = 4;

/**
 * The connection ended before kvmnet on the host said how its work ended (the connection went, or that kvmnet
 * died): a new connection asks the host's journal, and the words say what is so there and what to do. When the
 * host's kvmnet goes on by itself, or its change waits for a confirmation, the exit status says the outcome is not
 * known here (4): not 1, which says it was rolled back.
 */
async function afterLost(run: AgentRun, runner: Runner, agent: Agent, uri: string, doing: string): Promise<number> {
	const host = runner.transport.where;
	const look = `kvmnet undo --list -c '${uri}'`;
	runner.transport.closeShared?.();
	runner.resetSession();
	const listed = await listAgentJournals(runner, agent).catch(() => undefined);
	const found = run.journal && listed?.find((entry) => entry.journal.id === run.journal!.id);
	if (!found) {
		fail(
			`the ${doing} on ${host} did not report its end (${run.lost}), and ${listed ? 'its journal is not there' : 'a new connection does not get through now'}. If kvmnet there is still running, it goes on by itself: it finishes (or rolls back if a step fails), and its guard undoes a change to the SSH path that is not confirmed in time. Once the host answers: ${look} shows how it ended, and kvmnet confirm -c '${uri}' keeps a change that waits for it.`,
		);
		return outcomeUnknownExit;
	}
	const {journal, alive} = found;
	const said = visible(describeJournal(journal, {alive}));
	if (alive) {
		fail(
			`the connection to ${host} was lost (${run.lost}), and kvmnet there goes on by itself: ${said}. ${look} follows it; its guard undoes a change to the SSH path that is not confirmed in time (kvmnet confirm -c '${uri}').`,
		);
		return outcomeUnknownExit;
	}
	if (journal.status === 'running' || journal.status === 'rolling-back') {
		fail(
			`kvmnet on ${host} stopped half-way: its process there ended before its ${doing} did (${said}). kvmnet undo -c '${uri}' undoes what took effect.`,
		);
		// Part of it is in place: as after an undo that could not finish.
		return 3;
	}
	if (journal.status === 'applied' && journal.guard && !journal.guard.confirmed) {
		fail(
			`the connection to ${host} was lost (${run.lost}) after the apply ended: ${said}. Run "kvmnet confirm -c '${uri}'" before ${journal.guard.deadline ?? 'the deadline'} to keep it; otherwise the guard there undoes it.`,
		);
		return outcomeUnknownExit;
	}
	const byGuard = journal.guard?.actedAt ? ', and its guard undid what took effect' : '';
	out(
		`kvmnet on ${host} did not report its end (${visible(run.lost ?? '')}), but its journal there says how it ended${byGuard}: ${said}.\n`,
	);
	return journal.status === 'applied' || journal.status === 'undone' ? 0 : 1;
}

export async function runRemoteApply(
	args: CliArgs,
	given: Plan,
	uri: string,
	connection: SshConnection,
): Promise<number> {
	const runner = runnerFor(uri);
	const host = connection.ssh.host;
	if (!args.yes) {
		if (!process.stdin.isTTY) {
			fail('apply asks before changing the host; pass --yes when not on a terminal.');
			return 2;
		}
		out(`${given.steps.map((s, i) => `  ${i + 1}. ${visible(s.title)}`).join('\n')}\n`);
		const risky = given.steps.filter((step) => step.touchesSsh).length;
		if (risky > 0)
			out(
				`${plural(risky, 'step')} change${risky === 1 ? 's' : ''} the interface that carries kvmnet's own ssh connection to ${host}: a guard on ${host} undoes everything unless you confirm, over a new connection, that it still works.\n`,
			);
		if (!(await ask(`Apply these ${plural(given.steps.length, 'step')} on ${host}? [y/N] `))) {
			out('Nothing was changed.\n');
			return 0;
		}
	}
	const agent = await agentOn(runner);
	if (!agent) return 2;
	const seconds = args.guardSeconds ?? defaultGuardSeconds;
	out(`kvmnet on ${host} applies the plan; its journal and its guard are there.\n`);
	let run: Awaited<ReturnType<typeof showAgent>>;
	try {
		run = await showAgent(runner, agent, (hooks) =>
			applyOnAgent(runner, agent, given, {hostUri: connection.hostUri, guardSeconds: seconds, hooks}),
		);
	} catch (error) {
		fail(`${(error as Error).message}. Nothing was changed.`);
		return 2;
	}
	if (run.lost) return afterLost(run, runner, agent, uri, 'apply');
	if (run.signal) return signalExitCode[run.signal];
	const journal = run.journal;
	if (run.exitCode !== 0 || !journal || journal.status !== 'applied' || !journal.guard) return run.exitCode ?? 1;
	return keepOrUndo(args, runner, agent, uri, journal, run.guardAlive);
}

/** After an apply that changed the SSH path: kept only when confirmed over a new connection before the deadline. */
async function keepOrUndo(
	args: CliArgs,
	runner: Runner,
	agent: Agent,
	uri: string,
	journal: Journal,
	guardAlive: boolean,
): Promise<number> {
	const host = runner.transport.where.replace(/^ssh /, '');
	// The deadline is the host's clock; what is left of the window is not: counted from now, here.
	const left = Date.parse(journal.guard?.deadline ?? '') - Date.parse(journal.updatedAt);
	const deadline = Date.now() + (Number.isFinite(left) ? left : (journal.guard?.windowSeconds ?? 0) * 1000);
	const seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
	if (!guardAlive) fail(`the guard on ${host} is not running: nothing there would undo this change by itself.`);
	if (args.yes || !process.stdin.isTTY) {
		out(
			`Run "kvmnet confirm -c '${uri}'" within ${seconds} s to keep the changes; otherwise the guard on ${host} undoes them.\n`,
		);
		return 0;
	}
	const timeUp = new AbortController();
	const timer = setTimeout(() => timeUp.abort(), Math.max(0, deadline - Date.now()));
	const keep = await ask(
		`Do you still reach ${host}? Keep the changes? [y/N] (undone in ${seconds} s otherwise) `,
		timeUp.signal,
	);
	clearTimeout(timer);
	if (keep) return confirmOn(runner, agent);
	if (Date.now() > deadline) {
		out(`Not confirmed in time: the guard on ${host} undoes the changes.\n`);
		return 1;
	}
	out(`Not confirmed: undoing on ${host} now.\n`);
	const hostUri = journal.plan.uri;
	const run = await showAgent(runner, agent, ['undo', journal.id, '--yes', '--force', '--events', '-c', hostUri]);
	if (run.lost) return afterLost(run, runner, agent, uri, 'undo');
	return run.exitCode ?? 1;
}

/** `kvmnet confirm` on the host, over a new connection. */
async function confirmOn(runner: Runner, agent: Agent): Promise<number> {
	const run = await confirmOverNewConnection(runner, agent, {onText: showText});
	if (run.lost) {
		fail(
			`no new connection to ${runner.transport.where} (${run.lost}): the change is not confirmed, and the guard there undoes it when its time runs out.`,
		);
		return 1;
	}
	return run.exitCode ?? 1;
}

export async function runRemoteConfirm(uri: string): Promise<number> {
	const runner = runnerFor(uri);
	const agent = await agentOn(runner);
	return agent ? confirmOn(runner, agent) : 2;
}

export async function runRemoteUndo(args: CliArgs, uri: string, connection: SshConnection): Promise<number> {
	const runner = runnerFor(uri);
	const host = connection.ssh.host;
	if (args.list) {
		const agent = await agentOn(runner);
		if (!agent) return 2;
		const run = await showAgent(runner, agent, ['undo', '--list', ...(args.json ? ['--json'] : [])]);
		if (run.lost) fail(`the connection to ${runner.transport.where} was lost (${run.lost}).`);
		return run.lost ? 1 : (run.exitCode ?? 1);
	}
	const agent = await agentOn(runner);
	if (!agent) return 2;
	let target = args.journalId;
	if (!args.yes) {
		if (!process.stdin.isTTY) {
			fail('undo asks before changing the host; pass --yes when not on a terminal. Nothing was changed.');
			return 2;
		}
		// What the host's kvmnet would undo, shown before the question: the same pick as its own (that id, else the
		// newest not fully undone); when there is none, it says why itself.
		const listed = await listAgentJournals(runner, agent).catch((error: Error) => error);
		if (listed instanceof Error) {
			fail(`cannot read the journals on ${host} (${listed.message}). Nothing was changed.`);
			return 2;
		}
		const found = listed.find((entry) =>
			args.journalId ? entry.journal.id === args.journalId : needsUndo(entry.journal),
		)?.journal;
		if (found && needsUndo(found)) {
			const count = stepsToUndo(found).length;
			out(undoListing(found, ` on ${host}`));
			if (!(await ask(`Undo these ${plural(count, 'step')} on ${host}? [y/N] `))) {
				out('Nothing was changed.\n');
				return 0;
			}
			target = found.id;
		}
	}
	const run = await showAgent(runner, agent, [
		'undo',
		...(target ? [target] : []),
		'--yes',
		'--events',
		'-c',
		connection.hostUri,
		...(args.force ? ['--force'] : []),
	]);
	return run.lost ? afterLost(run, runner, agent, uri, 'undo') : (run.exitCode ?? 1);
}

/**
 * `kvmnet probe NETWORK -c qemu+ssh://…`: the probe runs on the host itself (its endpoints are namespaces there,
 * swept by that kvmnet's pid), and its matrix is shown here as it prints it.
 */
export async function runRemoteProbe(args: CliArgs, connection: SshConnection): Promise<number> {
	const runner = runnerFor(connection.uri);
	const agent = await agentOn(runner);
	if (!agent) return 2;
	const run = await showAgent(runner, agent, [
		'probe',
		args.network!,
		...(args.json ? ['--json'] : []),
		...(args.target ? ['--target', args.target] : []),
		'-c',
		connection.hostUri,
	]);
	if (run.lost) {
		fail(`the connection to ${runner.transport.where} was lost (${run.lost}); the probe there removes what it made.`);
		return 2;
	}
	return run.exitCode ?? 2;
}
