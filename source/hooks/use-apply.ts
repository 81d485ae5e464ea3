// Runs what the apply screen asks (apply, stop, keep, undo), reporting every log line, step state and journal
// change back to the reducer; while a guarded change waits to be kept, follows the journal, the clock and the pings.
import {useEffect, useRef, type Dispatch} from 'react';
import {pingableGateway} from '../core/net.js';
import type {Journal} from '../core/journal.js';
import type {Plan} from '../core/plan.js';
import type {ApplyHooks} from '../host/apply.js';
import type {ApplyService} from '../host/apply-service.js';
import {journalView} from '../ui/apply-types.js';
import type {Action, UiState} from '../ui/state.js';

export interface ApplyRunner {
	apply(plan: Plan): void;
	stop(): void;
	keep(): void;
	undo(): void;
}

const errorLine = (text: string) => ({time: new Date().toISOString(), step: -1, stream: 'error' as const, text});

export function useApply(state: UiState, dispatch: Dispatch<Action>, service: ApplyService | undefined): ApplyRunner {
	const view = state.apply;
	const stopRef = useRef(false);
	const journalRef = useRef<Journal | undefined>(undefined);

	const hooks: ApplyHooks = {
		onLog: (line) => dispatch({type: 'apply-log', line}),
		onStep: (index, stepState) => dispatch({type: 'apply-step', index, state: stepState}),
		shouldStop: () => (stopRef.current ? 'Stopped from the keyboard' : undefined),
	};
	const refuse = (problems: string[]) => dispatch({type: 'apply-phase', phase: 'refused', problems});

	const runner: ApplyRunner = {
		apply(plan) {
			if (!service) return refuse(['applying is not available here']);
			stopRef.current = false;
			journalRef.current = undefined;
			void (async () => {
				const checked = await service
					.preflight(plan)
					.catch((error: Error) => ({problems: [error.message], plan: undefined}));
				if (!checked.plan) return refuse(checked.problems);
				// Esc or Ctrl-C while the plan was being checked: nothing has been changed, and nothing will be.
				if (stopRef.current) return refuse(['stopped from the keyboard before the first step: nothing was changed']);
				dispatch({type: 'apply-phase', phase: 'running'});
				let journal = await service.apply(checked.plan, hooks).catch((error: Error) => error);
				if (journal instanceof Error) return refuse([journal.message]);
				journalRef.current = journal;
				if (journal.status === 'applied' && journal.guard) {
					journal = await service.arm(journal);
					journalRef.current = journal;
					dispatch({type: 'apply-journal', journal: journalView(journal)});
					dispatch({type: 'apply-phase', phase: 'keep'});
					return;
				}
				dispatch({type: 'apply-journal', journal: journalView(journal)});
				dispatch({type: 'apply-phase', phase: 'done'});
			})();
		},
		stop() {
			stopRef.current = true;
		},
		keep() {
			if (!service || !journalRef.current) return;
			void service.keep(journalRef.current).then(
				(kept) => {
					journalRef.current = kept;
					dispatch({type: 'apply-journal', journal: journalView(kept)});
				},
				(error: Error) => dispatch({type: 'apply-log', line: errorLine(`Not kept: ${error.message}`)}),
			);
		},
		undo() {
			// The journal applied here, or the interrupted one the app found at start.
			const shown = view?.journal;
			const target = journalRef.current ?? (shown ? {path: shown.path, id: shown.id} : undefined);
			if (!service || !target) return refuse(['nothing to undo here']);
			void service.undo(target, hooks).then(
				(undone) => {
					dispatch({type: 'apply-journal', journal: journalView(undone)});
					dispatch({type: 'apply-phase', phase: 'done'});
				},
				(error: Error) => refuse([error.message]),
			);
		},
	};

	// While waiting for the user to keep a guarded change: follow the journal (the guard may act) and the pings.
	const waiting = view?.phase === 'keep';
	useEffect(() => {
		if (!waiting || !service || !journalRef.current) return;
		const ssh = state.model?.header.ssh;
		const gateway = state.model ? pingableGateway(state.model.routes) : undefined;
		dispatch({type: 'apply-tick', now: Date.now()});
		// One look at a time: a remote host answers over ssh, and a slow answer must not pile up behind the next.
		let looking = false;
		const look = async () => {
			const journal = await service.read(journalRef.current!);
			journalRef.current = journal;
			dispatch({type: 'apply-journal', journal: journalView(journal)});
			if (journal.status !== 'applied') dispatch({type: 'apply-phase', phase: 'done'});
			// The guard is gone and the time ran out unconfirmed: the app keeps the promise itself.
			const deadline = journal.guard?.deadline ? Date.parse(journal.guard.deadline) : undefined;
			if (
				journal.status === 'applied' &&
				!journal.guard?.confirmed &&
				deadline !== undefined &&
				Date.now() > deadline &&
				!(await service.guardAlive(journal))
			) {
				dispatch({
					type: 'apply-log',
					line: errorLine(
						`No confirmation in time, and the SSH guard (pid ${journal.guard?.pid ?? '?'}) is gone: undoing here.`,
					),
				});
				dispatch({type: 'apply-phase', phase: 'running'});
				clearInterval(timer);
				runner.undo();
				return;
			}
			const [g, c] = await Promise.all([
				gateway ? service.reachable(gateway) : Promise.resolve(undefined),
				ssh ? service.reachable(ssh.clientAddress) : Promise.resolve(undefined),
			]);
			dispatch({
				type: 'apply-reach',
				reach: {...(g === undefined ? {} : {gateway: g}), ...(c === undefined ? {} : {client: c})},
			});
		};
		const timer = setInterval(() => {
			dispatch({type: 'apply-tick', now: Date.now()});
			if (looking) return;
			looking = true;
			look()
				.catch((error: Error) =>
					dispatch({type: 'apply-log', line: errorLine(`Cannot read the journal now: ${error.message}`)}),
				)
				.finally(() => (looking = false));
		}, 1000);
		return () => clearInterval(timer);
		// Only entering or leaving the wait starts or stops the timer.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [waiting]);

	return runner;
}
