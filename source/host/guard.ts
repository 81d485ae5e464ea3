// The SSH guard: a process of its own (new session, so it outlives the app and the SSH connection) that undoes an
// apply which cut the user off. It starts before the first step of any plan that touches the SSH session's path,
// tells the app it is alive (a handshake file, not just a spawn), and acts when the applying process died at any
// point, or when the apply finished but nobody confirmed it in time: the same idea as `netplan try` or a
// NetworkManager checkpoint, for whatever tool the plan used. It reads the write-ahead journal, so a step that was
// under way when the app died is checked and undone too.
import {spawn} from 'node:child_process';
import {closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {dirname} from 'node:path';
import {defaultGuardSeconds, needsUndo, type Journal} from '../core/journal.js';
import {visible} from '../core/visible.js';
import {undoRecorded} from './apply.js';
import {readJournal, saveJournal} from './journal-store.js';
import {acquireLock, LockRefused, processAlive} from './lock.js';
import type {Runner} from './runner.js';

export {defaultGuardSeconds} from '../core/journal.js';
const handshakeMs = 15_000;

export const guardReadyPath = (journalPath: string) => `${journalPath}.guard-ready`;
export const guardLogPath = (journalPath: string) => `${journalPath}.guard.log`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the journal's guard process is still running. */
export function guardAlive(journal: Journal): boolean {
	return journal.guard?.pid !== undefined && processAlive(journal.guard.pid);
}

/**
 * Start a guard process for the journal at `journalPath`, detached, running `command` (kvmnet's own argv) plus
 * `guard JOURNAL` and `extra`, and wait until it says it is watching. Throws, with its own last words, when not.
 */
async function spawnGuard(journalPath: string, command: string[], extra: string[] = []): Promise<number> {
	const ready = guardReadyPath(journalPath);
	rmSync(ready, {force: true});
	const logFd = openSync(guardLogPath(journalPath), 'a');
	const child = spawn(command[0]!, [...command.slice(1), 'guard', journalPath, ...extra], {
		detached: true,
		stdio: ['ignore', logFd, logFd],
	});
	closeSync(logFd);
	let exited: number | string | undefined;
	child.once('exit', (code, signal) => (exited = code ?? signal ?? 'unknown'));
	child.once('error', (error) => (exited = error.message));
	child.unref();
	const started = Date.now();
	while (Date.now() - started < handshakeMs) {
		if (existsSync(ready) && readFileSync(ready, 'utf8').trim() === String(child.pid)) return child.pid!;
		if (exited !== undefined) break;
		await sleep(25);
	}
	if (exited === undefined) child.kill('SIGKILL');
	const words = existsSync(guardLogPath(journalPath))
		? readFileSync(guardLogPath(journalPath), 'utf8').trim().split('\n').slice(-2).join(' ')
		: '';
	throw new Error(
		exited === undefined
			? `it did not answer within ${handshakeMs / 1000} s`
			: `it exited (${exited})${words ? `: ${words}` : ''}`,
	);
}

/** Start the guard of an apply before its first step; resolves with its pid once it watches the journal. */
export async function startGuard(journal: Journal, command: string[], windowSeconds: number): Promise<number> {
	journal.guard = {windowSeconds};
	saveJournal(journal);
	const pid = await spawnGuard(journal.path, command);
	journal.guard = {pid, windowSeconds};
	saveJournal(journal);
	return pid;
}

/**
 * Undo the journal in a guard process of its own (for an undo that touches the SSH session's path): it carries on
 * to the end if the terminal that asked for it goes away. Resolves with its pid once it runs.
 */
export function startUndoGuard(journal: Journal, command: string[]): Promise<number> {
	return spawnGuard(journal.path, command, ['--now']);
}

/** Start the confirmation countdown: the guard undoes everything unless confirmed before this deadline. */
export function armDeadline(journal: Journal): Journal {
	const fresh = readJournal(journal.path);
	const seconds = fresh.guard?.windowSeconds ?? defaultGuardSeconds;
	fresh.guard = {
		...(fresh.guard ?? {windowSeconds: seconds}),
		deadline: new Date(Date.now() + seconds * 1000).toISOString(),
	};
	saveJournal(fresh);
	return fresh;
}

export type GuardOutcome = 'confirmed' | 'finished' | 'rolled-back';

/** `kvmnet undo` through the guard: wait for the lock (the asking process just let it go), then undo. */
async function undoNow(
	journalPath: string,
	runner: Runner,
	say: (text: string) => void,
	pollMs: number,
): Promise<GuardOutcome> {
	const started = Date.now();
	for (;;) {
		try {
			const lock = acquireLock(dirname(journalPath), `the SSH guard undoing ${journalPath}`);
			try {
				const journal = readJournal(journalPath);
				if (!needsUndo(journal)) return 'finished';
				await undoRecorded(journal, runner, {
					onLog: (line) => say(`${line.step >= 0 ? `[${line.step + 1}] ` : ''}${line.text}`),
				});
				return 'rolled-back';
			} finally {
				lock.release();
			}
		} catch (error) {
			if (!(error instanceof LockRefused) || Date.now() - started > 30_000) throw error;
			await sleep(pollMs);
		}
	}
}

/** What the guard should do about the journal as it stands; undefined to keep watching. */
function guardDecision(journal: Journal): {act: string} | {leave: GuardOutcome} | undefined {
	if (journal.guard?.confirmed) return {leave: 'confirmed'};
	if (journal.status !== 'running' && journal.status !== 'applied') return {leave: 'finished'};
	const appAlive = processAlive(journal.pid, journal.pidStarted);
	const deadline = journal.guard?.deadline ? Date.parse(journal.guard.deadline) : undefined;
	if (deadline !== undefined && Date.now() > deadline) return {act: 'no confirmation before the deadline'};
	// The app died while applying (its SSH session was cut), or after applying before it started the countdown.
	if (!appAlive && (journal.status === 'running' || deadline === undefined))
		return {act: 'the applying process is gone'};
	return undefined;
}

/**
 * The guard's loop. Returns when the apply was confirmed, ended on its own, or was undone by the guard. With
 * `now`, it undoes the journal at once (as soon as it has the lock) instead of watching it.
 */
export async function runGuard(
	journalPath: string,
	runner: Runner,
	options: {pollMs?: number; now?: boolean} = {},
): Promise<GuardOutcome> {
	const pollMs = options.pollMs ?? 200;
	const say = (text: string) => process.stdout.write(`${new Date().toISOString()} guard: ${visible(text)}\n`);
	// The handshake: the app waits for this before its first step.
	readJournal(journalPath);
	writeFileSync(guardReadyPath(journalPath), `${process.pid}\n`);
	say(`${options.now ? 'undoing' : 'watching'} ${journalPath} (pid ${process.pid})`);
	try {
		if (options.now) return await undoNow(journalPath, runner, say, pollMs);
		for (;;) {
			let journal: Journal;
			try {
				journal = readJournal(journalPath);
			} catch (error) {
				if (!existsSync(journalPath)) return 'finished';
				say(`cannot read the journal now (${(error as Error).message}); trying again`);
				await sleep(pollMs);
				continue;
			}
			const decision = guardDecision(journal);
			if (decision && 'leave' in decision) return decision.leave;
			if (decision) {
				let lock;
				try {
					lock = acquireLock(dirname(journalPath), `the SSH guard undoing ${journal.id}`);
				} catch (error) {
					// Someone else (the app itself, kvmnet undo, kvmnet confirm) is at it: look again shortly.
					if (!(error instanceof LockRefused)) throw error;
					await sleep(pollMs);
					continue;
				}
				try {
					// Under the lock, the journal as it is now: a confirmation or an undo may have just landed.
					const current = readJournal(journalPath);
					const still = guardDecision(current);
					if (!still || 'leave' in still) continue;
					say(`${still.act}; undoing`);
					current.guard = {...current.guard!, actedAt: new Date().toISOString()};
					await undoRecorded(current, runner, {
						onLog: (line) => say(`${line.step >= 0 ? `[${line.step + 1}] ` : ''}${line.text}`),
					});
					return 'rolled-back';
				} finally {
					lock.release();
				}
			}
			await sleep(pollMs);
		}
	} finally {
		// Only our own handshake: a guard started for an undo of the same journal may have written its own there, and
		// the process that started it may not have read it yet (removing it made that undo fail, now and then).
		const ready = guardReadyPath(journalPath);
		try {
			if (readFileSync(ready, 'utf8').trim() === String(process.pid)) rmSync(ready, {force: true});
		} catch {
			// Not there.
		}
	}
}
