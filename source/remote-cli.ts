// `kvmnet apply`, `undo` and `confirm` with a qemu+ssh:// URI: kvmnet runs on that host (its agent, copied there by
// host/remote-agent.ts) and this one shows what it reports. The journal, the lock and the SSH guard are the host's
// own, so a laptop that is killed or drops off the network mid-apply strands nobody: the apply there goes on to its
// end, and its guard undoes a change to the SSH path that nobody confirmed. A confirmation goes over a new
// connection, so "kept" means the host can still be reached, not only that an old connection survived.
import type {CliArgs} from './args.js';
import type {SshConnection} from './core/connection.js';
import {fileSafeName, type Journal} from './core/journal.js';
import type {Plan} from './core/plan.js';
import {visible} from './core/visible.js';
import {ask, fail, out, showLine} from './cli-output.js';
import {defaultGuardSeconds} from './host/guard.js';
import {
	confirmOverNewConnection,
	ensureAgent,
	incomingPlanPath,
	runAgent,
	type Agent,
	type AgentRun,
} from './host/remote-agent.js';
import type {Runner} from './host/runner.js';
import {runnerFor} from './host/scan.js';
import {catchStopSignals} from './stop-signals.js';
import {plural} from './core/words.js';

/** The agent on the URI's host, or undefined once the reason was said. */
async function agentOn(runner: Runner): Promise<Agent | undefined> {
	try {
		return await ensureAgent(runner);
	} catch (error) {
		fail(`${(error as Error).message}. Nothing was changed.`);
		return undefined;
	}
}

/** A line the host's kvmnet printed (not an event): shown as it came, on the same stream. */
const showText = (stream: 'stdout' | 'stderr', line: string) =>
	stream === 'stderr' ? void process.stderr.write(`${visible(line)}\n`) : out(`${visible(line)}\n`);

/**
 * Run kvmnet on the host, its log shown here as the local one would be. With `stoppable`, a signal here asks it to
 * stop before its next step and roll back; otherwise (an undo, a confirmation) it carries on to its end there.
 */
async function showAgent(runner: Runner, agent: Agent, args: string[], stoppable = false): Promise<AgentRun> {
	const where = runner.transport.where;
	const stop = new AbortController();
	const release = catchStopSignals((signal) => {
		if (!stoppable) return void out(`${signal}: kvmnet on ${where} carries on to its end.\n`);
		if (stop.signal.aborted) return;
		out(`${signal}: asking kvmnet on ${where} to stop after the step under way and undo what took effect.\n`);
		stop.abort();
	});
	try {
		return await runAgent(runner, agent, args, {
			onLog: showLine,
			onText: showText,
			stop: stop.signal,
		});
	} finally {
		release();
	}
}

/** What to say when the connection went during an apply or an undo: the host decides, and how to look. */
function sayLost(run: AgentRun, uri: string, host: string, doing: string): number {
	fail(
		`the connection was lost during the ${doing} (${run.lost}). kvmnet on ${host} goes on by itself: it finishes (or, if a step fails, rolls back), and its guard undoes a change to the SSH path that nobody confirmed. Once ${host} answers again: kvmnet undo --list -c '${uri}'`,
	);
	return 1;
}

/** The plan as the host's kvmnet takes it: the URI it reaches libvirt with there. */
const planForHost = (plan: Plan, connection: SshConnection): Plan => ({...plan, uri: connection.hostUri});

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
		if (!(await ask(`Apply these ${plural(given.steps.length, 'step')} on ${host}? [y/N] `))) {
			out('Nothing was changed.\n');
			return 0;
		}
	}
	const agent = await agentOn(runner);
	if (!agent) return 2;
	// The plan goes into the host's state directory; kvmnet there checks it and makes it again, as for any plan file.
	const planPath = incomingPlanPath(agent, fileSafeName(given.params['name'] || given.mode));
	try {
		await runner.files.write(planPath, `${JSON.stringify(planForHost(given, connection), null, 2)}\n`);
	} catch (error) {
		fail(`could not send the plan to ${host} (${(error as Error).message}). Nothing was changed.`);
		return 2;
	}
	const seconds = args.guardSeconds ?? defaultGuardSeconds;
	out(`kvmnet on ${host} applies the plan; its journal and its guard are there.\n`);
	const run = await showAgent(
		runner,
		agent,
		['apply', planPath, '--yes', '--events', '-c', connection.hostUri, '--guard-seconds', String(seconds)],
		true,
	);
	if (run.lost) return sayLost(run, uri, host, 'apply');
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
	const deadline = Date.parse(journal.guard?.deadline ?? '');
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
	if (run.lost) return sayLost(run, uri, host, 'undo');
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
		return run.lost ? sayLost(run, uri, host, 'listing') : (run.exitCode ?? 1);
	}
	if (!args.yes) {
		if (!process.stdin.isTTY) {
			fail('undo asks before changing the host; pass --yes when not on a terminal. Nothing was changed.');
			return 2;
		}
		const which = args.journalId ?? 'the newest apply that is not fully undone';
		if (!(await ask(`Undo ${which} on ${host} (kvmnet undo --list -c '${uri}' lists them)? [y/N] `))) {
			out('Nothing was changed.\n');
			return 0;
		}
	}
	const agent = await agentOn(runner);
	if (!agent) return 2;
	const run = await showAgent(runner, agent, [
		'undo',
		...(args.journalId ? [args.journalId] : []),
		'--yes',
		'--events',
		'-c',
		connection.hostUri,
		...(args.force ? ['--force'] : []),
	]);
	return run.lost ? sayLost(run, uri, host, 'undo') : (run.exitCode ?? 1);
}
