// What the interactive app needs to apply a plan, in one place: check it, run it, keep or undo it, and see whether
// the gateway and the SSH client still answer. The live service uses the real engine, guard, lock and runner; it
// also knows whether work is under way, so a signal to the app rolls that work back before the app exits.
import {leftHalfWay, type Journal} from '../core/journal.js';
import type {Plan} from '../core/plan.js';
import {applyPlan, confirmJournal, undoRecorded, type ApplyHooks} from './apply.js';
import {armDeadline, defaultGuardSeconds, guardAlive, startGuard} from './guard.js';
import {listJournals, readJournal} from './journal-store.js';
import {loadHost, type LoadOptions} from './load-host.js';
import {acquireLock, lockHolder, processAlive} from './lock.js';
import {preflight, type Preflight} from './preflight.js';
import {runnerFor} from './scan.js';
import {resolveLibvirtUri} from './virsh.js';

export interface ApplyService {
	/** Why the plan cannot be applied now, or the plan to run (made again by kvmnet). */
	preflight(plan: Plan): Promise<Preflight>;
	apply(plan: Plan, hooks: ApplyHooks): Promise<Journal>;
	/** Start the confirmation countdown of a guarded apply. */
	arm(journal: Journal): Promise<Journal>;
	keep(journal: Journal): Promise<Journal>;
	undo(journal: Pick<Journal, 'path' | 'id'>, hooks: ApplyHooks): Promise<Journal>;
	read(journal: Pick<Journal, 'path' | 'id'>): Promise<Journal>;
	/** Whether the guard of this journal still runs. */
	guardAlive(journal: Journal): Promise<boolean>;
	/** Whether `address` answers a ping now. */
	reachable(address: string): Promise<boolean>;
	/** An apply or undo left half-way by a process that died (nothing holds the lock), for the app to offer to undo. */
	interrupted(): Promise<Journal | undefined>;
	/** Stop the work under way (a signal): an apply stops before its next step and rolls back. */
	stop(reason: string): void;
	/** Resolves once no apply or undo is under way. */
	idle(): Promise<void>;
}

export function liveApplyService(options: {
	load: LoadOptions;
	journalDir: string;
	guardCommand: string[];
	guardSeconds?: number;
}): ApplyService {
	// The host the app shows: this machine, or the remote one the URI names (its one shared connection).
	const runner = runnerFor(resolveLibvirtUri(options.load.connect, options.load.env));
	const seconds = options.guardSeconds ?? defaultGuardSeconds;
	let stopReason: string | undefined;
	let busy: Promise<unknown> = Promise.resolve();
	/** Run `work` holding the host's lock; the lock is released however it ends. */
	const locked = <T>(doing: string, work: () => Promise<T>): Promise<T> => {
		const run = (async () => {
			const lock = acquireLock(options.journalDir, doing);
			try {
				return await work();
			} finally {
				lock.release();
			}
		})();
		busy = run.catch(() => undefined);
		return run;
	};
	return {
		preflight: async (plan) =>
			preflight(plan, await loadHost({...options.load, demo: false}), runner, {
				uri: resolveLibvirtUri(options.load.connect, options.load.env),
			}),
		apply: (plan, hooks) =>
			locked(`apply ${plan.mode} ${plan.params['name'] ?? ''} (interactive)`, () => {
				stopReason = undefined;
				let current: Journal | undefined;
				return applyPlan(plan, {
					runner,
					journalDir: options.journalDir,
					hooks: {
						...hooks,
						shouldStop: () => {
							if (stopReason) return stopReason;
							if (current?.guard?.pid !== undefined && !guardAlive(current))
								return `The SSH guard (pid ${current.guard.pid}) is gone, so nothing would restore the network if this connection dropped`;
							return hooks.shouldStop?.();
						},
						startGuard: async (journal) => {
							current = journal;
							await startGuard(journal, options.guardCommand, seconds);
						},
					},
				});
			}),
		arm: async (journal) => armDeadline(journal),
		keep: async (journal) => confirmJournal(journal),
		undo: (journal, hooks) =>
			locked(`undo ${journal.path} (interactive)`, () => {
				const fresh = readJournal(journal.path);
				return undoRecorded(fresh, runner, hooks);
			}),
		read: async (journal) => readJournal(journal.path),
		guardAlive: async (journal) => guardAlive(journal),
		reachable: async (address) => (await runner.run(['ping', '-c', '1', '-W', '1', address], {timeoutMs: 3000})).ok,
		interrupted: async () => {
			if (lockHolder(options.journalDir)) return undefined;
			return listJournals(options.journalDir).journals.find((j) =>
				leftHalfWay(j, {alive: processAlive(j.pid, j.pidStarted), guardAlive: guardAlive(j)}),
			);
		},
		stop: (reason) => {
			stopReason = reason;
		},
		idle: () => busy.then(() => undefined),
	};
}
