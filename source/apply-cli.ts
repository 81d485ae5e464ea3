// `kvmnet apply`, `undo`, `confirm` and `guard` without the TUI: the same engine, its log streamed to stdout.
// Each takes the host's lock, so one change runs at a time; a signal stops an apply before its next step and rolls
// it back, and a closed pipe or a hung-up terminal never stops either half-way (the journal keeps the log).
import {existsSync, readFileSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {ask, fail, out, showLine, undoListing} from './cli-output.js';
import type {CliArgs} from './args.js';
import {
	describeJournal,
	needsUndo,
	stepsToUndo,
	vmsUsingWhatUndoRemoves,
	type Journal,
	type LogLine,
} from './core/journal.js';
import {eventLine, stopRequest, type AgentEvent} from './core/agent-events.js';
import {visible} from './core/visible.js';
import {applyPlan, confirmJournal, JournalUnwritable, undoRecorded} from './host/apply.js';
import {
	armDeadline,
	defaultGuardSeconds,
	guardAlive,
	guardLogPath,
	runGuard,
	startGuard,
	startUndoGuard,
} from './host/guard.js';
import {listJournals, readJournal} from './host/journal-store.js';
import {loadHost} from './host/load-host.js';
import {acquireLock, LockRefused, processAlive, type Lock} from './host/lock.js';
import {readPlanFile} from './host/plan-file.js';
import {journalDirectory} from './host/plan-files.js';
import {preflight} from './host/preflight.js';
import {Runner} from './host/runner.js';
import {runnerFor} from './host/scan.js';
import {isRemoteUri, parseConnection, sameHost} from './core/connection.js';
import {runRemoteApply, runRemoteConfirm, runRemoteUndo} from './remote-cli.js';
import {resolveLibvirtUri} from './host/virsh.js';
import {catchStopSignals, signalExitCode, type StopSignal} from './stop-signals.js';
import {plural} from './core/words.js';

/** --events: every log line, step state and final journal as a JSON line, for the kvmnet that started this one. */
let events = false;
const emit = (event: AgentEvent) => {
	if (events) out(eventLine(event));
};
const printLine = (line: LogLine) => (events ? emit({log: line}) : showLine(line));

/**
 * For the commands this process's messages suggest: ` -c 'URI'` when kvmnet on another machine runs this one
 * (it sets KVMNET_CALLER_URI to the URI it names this host by), so a hint shown there works there.
 */
const callerHint = () => {
	const uri = process.env['KVMNET_CALLER_URI'];
	return uri ? ` -c '${uri}'` : '';
};

/** 0 applied or undone as asked; 1 rolled back after a failure; 3 an undo failed and something is left. */
const exitCodeOf = (journal: Journal) =>
	journal.status === 'applied' || journal.status === 'undone' ? 0 : journal.status === 'rollback-incomplete' ? 3 : 1;

/** This program's own argv, for starting the guard (node and the CLI script). */
const selfCommand = () => [process.execPath, process.argv[1]!];

function takeLock(doing: string): Lock | undefined {
	try {
		return acquireLock(journalDirectory(), doing);
	} catch (error) {
		if (error instanceof LockRefused) fail(`${error.message}. Nothing was changed; try again when it has finished.`);
		else fail(`cannot write in ${journalDirectory()} (${(error as Error).message}), so nothing was changed`);
		return undefined;
	}
}

export async function runApply(args: CliArgs): Promise<number> {
	events = Boolean(args.events);
	// Everything from the file is checked before anything is contacted: its shape, then its URI.
	const read = readPlanFile(args.file!);
	if (!read.plan) {
		for (const error of read.errors) fail(error);
		fail('nothing was changed.');
		return 2;
	}
	const given = read.plan;
	const uri = resolveLibvirtUri(args.connect);
	if (!sameHost(given.uri, uri)) {
		fail(
			`uri: the plan is for ${JSON.stringify(given.uri)}, but this apply uses ${JSON.stringify(uri)} (from --connect, else LIBVIRT_DEFAULT_URI, else qemu:///system). ` +
				'kvmnet never connects to a URI read from a file: pass --connect with that URI if it is the one you mean. Nothing was changed.',
		);
		return 2;
	}
	// On a host reached over ssh, kvmnet runs there: its journal and guard stay on it whatever happens to this machine.
	const connection = parseConnection(uri);
	if (connection.kind === 'ssh') return runRemoteApply(args, given, uri, connection);
	const lock = takeLock(`apply ${given.mode} ${JSON.stringify(given.params['name'] ?? '')} (${args.file})`);
	if (!lock) return 2;
	try {
		return await applyLocked(args, given, uri, lock);
	} finally {
		lock.release();
	}
}

async function applyLocked(
	args: CliArgs,
	given: NonNullable<ReturnType<typeof readPlanFile>['plan']>,
	uri: string,
	lock: Lock,
): Promise<number> {
	const runner = runnerFor(uri);
	const host = await loadHost({connect: uri, runner});
	const checked = await preflight(given, host, runner, {uri});
	if (!checked.plan) {
		for (const problem of checked.problems) fail(problem);
		fail('nothing was changed.');
		return 2;
	}
	const plan = checked.plan;
	const risky = plan.steps.filter((s) => s.touchesSsh).length;
	if (!args.yes) {
		if (!process.stdin.isTTY) {
			fail('apply asks before changing the host; pass --yes when not on a terminal.');
			return 2;
		}
		out(`${plan.steps.map((s, i) => `  ${i + 1}. ${visible(s.title)}`).join('\n')}\n`);
		if (risky > 0)
			out(
				`${plural(risky, 'step')} change${risky === 1 ? 's' : ''} the interface that carries your SSH session; a guard undoes everything unless you confirm.\n`,
			);
		if (!(await ask(`Apply these ${plural(plan.steps.length, 'step')}? [y/N] `))) {
			out('Nothing was changed.\n');
			return 0;
		}
	}
	const seconds = args.guardSeconds ?? defaultGuardSeconds;
	let signal: StopSignal | undefined;
	let current: Journal | undefined;
	const release = catchStopSignals((received) => {
		if (signal) return;
		signal = received;
		if (!events) out(`${received}: stopping after the step under way; every step that took effect will be undone.\n`);
	});
	// Driven by kvmnet on another machine: a "stop" line asks what a signal asks here. The end of stdin (that kvmnet
	// or its connection gone) stops nothing: the apply goes on to its end, and its guard decides, as for a closed pipe.
	let stopAsked: string | undefined;
	const requests = events ? createInterface({input: process.stdin}) : undefined;
	requests?.on('line', (line) => {
		if (line.trim() === stopRequest) stopAsked ??= 'Stopped from kvmnet on the machine that started this apply';
	});
	let journal: Journal;
	try {
		journal = await applyPlan(plan, {
			runner,
			journalDir: journalDirectory(),
			hooks: {
				onLog: printLine,
				onStep: (step, state) => emit({step, state}),
				// Which journal this is, before any step: if this process dies, the kvmnet that started it can say which.
				onJournal: (started) => emit({journal: started, guardAlive: false}),
				shouldStop: () => {
					if (signal) return `Received ${signal}`;
					if (stopAsked) return stopAsked;
					if (current?.guard?.pid !== undefined && !guardAlive(current))
						return `The SSH guard (pid ${current.guard.pid}) is gone, so nothing would restore the network if this connection dropped`;
					return undefined;
				},
				startGuard: async (j) => {
					current = j;
					const pid = await startGuard(j, selfCommand(), seconds);
					printLine({
						time: new Date().toISOString(),
						step: -1,
						stream: 'info',
						// Run by kvmnet on another machine, this process does not die with the connection: it ends the
						// apply, and then only the deadline decides.
						text: events
							? `Guard started (pid ${pid}) and watching: it undoes this apply if this kvmnet stops half-way, or if nobody confirms within ${seconds} s after it ends.`
							: `Guard started (pid ${pid}) and watching: it undoes this apply if the connection is lost, or if you do not confirm within ${seconds} s after it ends.`,
					});
				},
			},
		});
	} catch (error) {
		if (error instanceof JournalUnwritable) {
			fail(error.message);
			return 2;
		}
		throw error;
	} finally {
		release();
		requests?.close();
		if (events) process.stdin.destroy();
	}
	if (signal) {
		emit({journal, guardAlive: guardAlive(journal)});
		return signalExitCode[signal];
	}
	if (journal.status !== 'applied' || !journal.guard) {
		emit({journal, guardAlive: false});
		return exitCodeOf(journal);
	}
	// The countdown starts under the lock; the guard, `kvmnet confirm` and `kvmnet undo` take the lock from here on.
	const armed = armDeadline(journal);
	lock.release();
	if (events) {
		// The kvmnet that asked for this apply asks its user, and confirms over a new connection.
		emit({journal: armed, guardAlive: guardAlive(armed)});
		return 0;
	}
	return keepOrUndo(args, armed, seconds);
}

/** After a guarded apply: the change stays only if confirmed before the deadline. */
async function keepOrUndo(args: CliArgs, journal: Journal, seconds: number): Promise<number> {
	if (!process.stdin.isTTY || args.yes) {
		out(
			`Run "kvmnet confirm" within ${seconds} s (from a new SSH session if this one hangs) to keep the changes; otherwise the guard undoes them.\n`,
		);
		return 0;
	}
	const deadline = Date.parse(journal.guard!.deadline!);
	const timeUp = new AbortController();
	const timer = setTimeout(() => timeUp.abort(), Math.max(0, deadline - Date.now()));
	const keep = await ask(
		`Do you still reach this host? Keep the changes? [y/N] (undone in ${seconds} s otherwise) `,
		timeUp.signal,
	);
	clearTimeout(timer);
	if (keep && Date.now() <= deadline) return runConfirm(args);
	const now = readJournal(journal.path);
	if (now.status !== 'applied') {
		out(`Not confirmed: the guard ${now.status === 'rolling-back' ? 'is undoing' : 'undid'} the changes.\n`);
		return 1;
	}
	if (Date.now() > deadline && guardAlive(now)) {
		out('Not confirmed in time: the guard undoes the changes.\n');
		return 1;
	}
	// A "no" before the deadline, or the guard gone: undone here and now.
	out(guardAlive(now) ? 'Not confirmed: undoing now.\n' : 'Not confirmed, and the guard is gone: undoing here.\n');
	return undoJournal(now, {yes: true, force: true, ...(args.connect ? {connect: args.connect} : {})});
}

function listAll(json: boolean): number {
	const {journals, unreadable} = listJournals(journalDirectory());
	for (const bad of unreadable) fail(`skipped ${bad.error}`);
	if (json) {
		// For kvmnet on another machine (its apply screen follows a remote journal this way): the journals as they
		// are, and which of their processes still run here, which only this host can tell.
		const listed = journals.map((journal) => ({
			journal,
			alive: processAlive(journal.pid, journal.pidStarted),
			guardAlive: guardAlive(journal),
		}));
		out(`${JSON.stringify(listed)}\n`);
		return 0;
	}
	if (journals.length === 0) out(`No journals in ${journalDirectory()}.\n`);
	for (const journal of journals)
		out(`${visible(describeJournal(journal, {alive: processAlive(journal.pid, journal.pidStarted)}))}\n`);
	return 0;
}

export async function runUndo(args: CliArgs): Promise<number> {
	events = Boolean(args.events);
	const uri = resolveLibvirtUri(args.connect);
	const connection = parseConnection(uri);
	if (connection.kind === 'ssh') return runRemoteUndo(args, uri, connection);
	if (args.list) return listAll(args.json);
	const {journals, unreadable} = listJournals(journalDirectory());
	for (const bad of unreadable) fail(`skipped a journal that cannot be read: ${bad.error}`);
	const target = args.journalId ? journals.find((j) => j.id === args.journalId) : journals.find(needsUndo);
	if (!target) {
		fail(
			args.journalId
				? `there is no journal ${args.journalId} (kvmnet undo --list${callerHint()} shows them)`
				: `there is nothing to undo: no apply is left in place or half-way (journals in ${journalDirectory()}; kvmnet undo --list${callerHint()})`,
		);
		return 2;
	}
	if (!needsUndo(target)) {
		fail(`${describeJournal(target)}: nothing to undo.`);
		return 2;
	}
	return undoJournal(target, args);
}

async function undoJournal(found: Journal, args: Pick<CliArgs, 'yes' | 'force' | 'connect'>): Promise<number> {
	// A remote host's journal is undone there only when the user names that host: kvmnet connects to no URI it read
	// from a file, its own journals included.
	const uri = resolveLibvirtUri(args.connect);
	if (isRemoteUri(found.plan.uri) && found.plan.uri !== uri) {
		fail(
			`uri: ${visible(describeJournal(found))} was applied to ${JSON.stringify(found.plan.uri)}; pass --connect with that URI to undo it there. Nothing was changed.`,
		);
		return 2;
	}
	const lock = takeLock(`undo ${found.id}`);
	if (!lock) return 2;
	try {
		// Under the lock, as it is now.
		const journal = readJournal(found.path);
		if (!needsUndo(journal)) {
			out(`${visible(describeJournal(journal))}: nothing left to undo.\n`);
			emit({journal, guardAlive: guardAlive(journal)});
			return 0;
		}
		const todo = stepsToUndo(journal);
		out(undoListing(journal));
		if (todo.length > 0) {
			const host = await loadHost({connect: uri, runner: runnerFor(uri)});
			const users = vmsUsingWhatUndoRemoves(journal, host.vms);
			if (users.length > 0 && !args.force) {
				fail(
					`VM ${users.join(', ')} now use${users.length === 1 ? 's' : ''} what this undo removes (${journal.plan.params['name'] ?? journal.plan.params['bridge']}), through an interface added after the apply: undoing would cut ${users.length === 1 ? 'it' : 'them'} off. Move or detach ${users.length === 1 ? 'that interface' : 'those interfaces'} first, or pass --force. Nothing was changed.`,
				);
				return 2;
			}
		}
		if (!args.yes) {
			if (!process.stdin.isTTY) {
				fail('undo asks before changing the host; pass --yes when not on a terminal. Nothing was changed.');
				return 2;
			}
			if (!(await ask(`Undo these ${plural(todo.length, 'step')}? [y/N] `))) {
				out('Nothing was changed.\n');
				return 0;
			}
		}
		if (todo.some(({step}) => step.touchesSsh) && process.env['SSH_CONNECTION']) {
			lock.release();
			return await undoThroughGuard(journal);
		}
		// An undo is never left half-way by a signal or a dropped SSH session: it carries on to its end.
		const release = catchStopSignals((signal) =>
			out(`${signal}: the undo carries on to its end (a half-done undo would leave the host in neither state).\n`),
		);
		try {
			// The host the journal's plan was applied to (its URI was checked when it was applied).
			const undone = await undoRecorded(journal, runnerFor(isRemoteUri(journal.plan.uri) ? uri : 'qemu:///system'), {
				onLog: printLine,
				onStep: (step, state) => emit({step, state}),
			});
			emit({journal: undone, guardAlive: false});
			return exitCodeOf(undone) === 1 ? 0 : exitCodeOf(undone);
		} finally {
			release();
		}
	} finally {
		lock.release();
	}
}

/**
 * An undo that changes the interface of this SSH session runs in a guard process, in its own session: if the
 * connection drops half-way, the undo still ends. This process only follows the guard's log.
 */
async function undoThroughGuard(journal: Journal): Promise<number> {
	const log = guardLogPath(journal.path);
	let shown = existsSync(log) ? readFileSync(log, 'utf8').length : 0;
	let pid: number;
	try {
		pid = await startUndoGuard(journal, selfCommand());
	} catch (error) {
		fail(`the guard that would carry out this undo did not start (${(error as Error).message}); nothing was changed`);
		return 2;
	}
	out(
		`The undo touches the interface of your SSH session, so the guard (pid ${pid}) carries it out: it finishes even if this connection drops. Its log:\n`,
	);
	const follow = () => {
		const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
		if (text.length > shown) out(visible(text.slice(shown), {multiline: true}));
		shown = text.length;
	};
	const release = catchStopSignals((signal) => out(`${signal}: the guard carries on with the undo on its own.\n`));
	try {
		while (processAlive(pid)) {
			follow();
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
		follow();
	} finally {
		release();
	}
	const final = readJournal(journal.path);
	emit({journal: final, guardAlive: false});
	return exitCodeOf(final) === 1 ? 0 : exitCodeOf(final);
}

export async function runConfirm(args: Pick<CliArgs, 'connect'>): Promise<number> {
	const uri = resolveLibvirtUri(args.connect);
	if (parseConnection(uri).kind === 'ssh') return runRemoteConfirm(uri);
	const {journals, unreadable} = listJournals(journalDirectory());
	for (const bad of unreadable) fail(`skipped a journal that cannot be read: ${bad.error}`);
	// Only the newest guarded apply can be waiting: an older one was confirmed, undone or replaced long ago.
	const guarded = journals.find((j) => j.guard);
	if (
		!guarded ||
		guarded.guard!.confirmed ||
		(guarded.status !== 'applied' && guarded.status !== 'running' && !guarded.guard!.actedAt)
	) {
		fail(
			guarded?.guard?.confirmed
				? `no apply is waiting for confirmation (the last one, ${guarded.plan.mode} ${guarded.plan.params['name'] ?? ''}, was confirmed already)`
				: 'no apply is waiting for confirmation',
		);
		return 2;
	}
	const name = `${guarded.plan.mode} ${guarded.plan.params['name'] ?? ''}`;
	if (guarded.guard?.actedAt || (guarded.status !== 'applied' && guarded.status !== 'running')) {
		fail(
			`too late: the guard undid ${name} at ${guarded.guard?.actedAt ?? guarded.updatedAt} (${guarded.guard?.deadline ? `the deadline was ${guarded.guard.deadline}` : 'the applying process was gone'}); it is ${guarded.status}. Apply the plan again to retry.`,
		);
		return 1;
	}
	if (guarded.status === 'running') {
		fail(`${name} is still being applied: confirm once it has finished.`);
		return 2;
	}
	const lock = takeLock(`confirm ${guarded.id}`);
	if (!lock) return 2;
	try {
		const journal = readJournal(guarded.path);
		if (journal.status !== 'applied' || journal.guard?.actedAt) {
			fail(`too late: the guard has undone ${name} (it is ${journal.status}).`);
			return 1;
		}
		const deadline = journal.guard?.deadline ? Date.parse(journal.guard.deadline) : undefined;
		if (deadline !== undefined && Date.now() > deadline) {
			if (guardAlive(journal)) {
				fail(`too late: the deadline passed at ${journal.guard!.deadline}, and the guard is undoing ${name} now.`);
				return 1;
			}
			confirmJournal(journal);
			out(
				`The deadline passed at ${journal.guard!.deadline}, but the guard (pid ${journal.guard?.pid ?? '?'}) had died, so nothing was undone. ${visible(name)} stays, as you confirm now (kvmnet undo${callerHint()} reverses it).\n`,
			);
			return 0;
		}
		confirmJournal(journal);
		out(`Confirmed: ${visible(name)} stays applied.\n`);
		return 0;
	} finally {
		lock.release();
	}
}

export async function runGuardProcess(args: CliArgs): Promise<number> {
	// The guard outlives the terminal it came from: a hang-up must not stop it.
	process.on('SIGHUP', () => undefined);
	const outcome = await runGuard(args.file!, new Runner(), {now: Boolean(args.now)});
	out(`${new Date().toISOString()} guard: ${outcome}\n`);
	return 0;
}
