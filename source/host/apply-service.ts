// What the interactive app needs to apply a plan, in one place: check it, run it, keep or undo it, and see whether
// the gateway and the SSH client still answer. The live service uses the real engine, guard and runner.
import type {Plan} from '../core/plan.js';
import {applyPlan, confirmJournal, readJournal, rollBack, type ApplyHooks, type Journal} from './apply.js';
import {armDeadline, defaultGuardSeconds, startGuard} from './guard.js';
import {loadHost, type LoadOptions} from './load-host.js';
import {preflight} from './preflight.js';
import {Runner} from './runner.js';

export interface ApplyService {
	/** Why the plan cannot be applied now; empty when it can. */
	preflight(plan: Plan): Promise<string[]>;
	apply(plan: Plan, hooks: ApplyHooks): Promise<Journal>;
	/** Start the confirmation countdown of a guarded apply. */
	arm(journal: Journal): Journal;
	keep(journal: Journal): Journal;
	undo(journal: Journal, hooks: ApplyHooks): Promise<Journal>;
	read(journal: Journal): Journal;
	/** Whether `address` answers a ping now. */
	reachable(address: string): Promise<boolean>;
}

export function liveApplyService(options: {load: LoadOptions; journalDir: string; guardCommand: string[]; guardSeconds?: number}): ApplyService {
	const runner = new Runner();
	const seconds = options.guardSeconds ?? defaultGuardSeconds;
	return {
		preflight: async (plan) => preflight(plan, await loadHost({...options.load, connect: plan.uri, demo: false}), runner),
		apply: (plan, hooks) =>
			applyPlan(plan, {
				runner,
				journalDir: options.journalDir,
				hooks: {...hooks, beforeRiskyStep: async (journal) => void startGuard(journal, options.guardCommand, seconds)},
			}),
		arm: armDeadline,
		keep: confirmJournal,
		undo: (journal, hooks) => rollBack(readJournal(journal.path), runner, hooks, 'undone'),
		read: (journal) => readJournal(journal.path),
		reachable: async (address) => (await runner.run(['ping', '-c', '1', '-W', '1', address], {timeoutMs: 3000})).ok,
	};
}
