// The SSH guard: a process of its own (new session, so it outlives the app and the SSH connection) that undoes an
// apply which cut the user off. It watches the journal and acts when the applying process died mid-way, or when
// the apply finished but nobody confirmed it in time: the same idea as `netplan try` or a NetworkManager
// checkpoint, for whatever tool the plan used.
import {spawn} from 'node:child_process';
import {openSync} from 'node:fs';
import {readJournal, rollBack, saveJournal, type Journal} from './apply.js';
import type {Runner} from './runner.js';

export const defaultGuardSeconds = 60;

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** Start the guard for `journal`, detached, running `command` (kvmnet's own argv) plus `guard JOURNAL`. */
export function startGuard(journal: Journal, command: string[], windowSeconds: number): number {
	const logFd = openSync(`${journal.path}.guard.log`, 'a');
	const child = spawn(command[0]!, [...command.slice(1), 'guard', journal.path], {detached: true, stdio: ['ignore', logFd, logFd]});
	child.unref();
	journal.guard = {pid: child.pid!, windowSeconds};
	saveJournal(journal);
	return child.pid!;
}

/** Start the confirmation countdown: the guard undoes everything unless confirmed before this deadline. */
export function armDeadline(journal: Journal): Journal {
	const fresh = readJournal(journal.path);
	const seconds = fresh.guard?.windowSeconds ?? defaultGuardSeconds;
	fresh.guard = {...(fresh.guard ?? {windowSeconds: seconds}), deadline: new Date(Date.now() + seconds * 1000).toISOString()};
	saveJournal(fresh);
	return fresh;
}

export type GuardOutcome = 'confirmed' | 'finished' | 'rolled-back';

/** The guard's loop. Returns when the apply was confirmed, ended on its own, or was undone by the guard. */
export async function runGuard(journalPath: string, runner: Runner, pollMs = 200): Promise<GuardOutcome> {
	for (;;) {
		const journal = readJournal(journalPath);
		if (journal.guard?.confirmed) return 'confirmed';
		if (journal.status !== 'running' && journal.status !== 'applied') return 'finished';
		const appAlive = alive(journal.pid);
		const deadline = journal.guard?.deadline ? Date.parse(journal.guard.deadline) : undefined;
		// The app died while applying (its SSH session was cut), or the countdown ran out without a confirmation,
		// or the app died after applying before it could start the countdown.
		const expired = deadline !== undefined && Date.now() > deadline;
		const orphaned = !appAlive && (journal.status === 'running' || deadline === undefined);
		if (expired || orphaned) {
			journal.guard = {...journal.guard!, actedAt: new Date().toISOString()};
			process.stdout.write(`${new Date().toISOString()} guard: ${expired ? 'no confirmation before the deadline' : 'the applying process is gone'}; undoing\n`);
			await rollBack(journal, runner, {onLog: (line) => process.stdout.write(`${line.time} ${line.text}\n`)});
			return 'rolled-back';
		}
		await new Promise((resolve) => setTimeout(resolve, pollMs));
	}
}
