// Runs the apply the screen asked for (starts), and the keep/undo answer after a guarded apply, reporting every
// log line, step state and journal change back to the reducer.
import {useEffect, useRef, type Dispatch} from 'react';
import {pingableGateway} from '../core/net.js';
import type {ApplyHooks} from '../host/apply.js';
import type {ApplyService} from '../host/apply-service.js';
import {journalView} from '../ui/apply-types.js';
import type {Action, UiState} from '../ui/state.js';

export function useApply(state: UiState, dispatch: Dispatch<Action>, service: ApplyService | undefined): void {
	const view = state.apply;
	const plan = state.wizard.plan;
	const stopRef = useRef(false);
	const stopRequested = view?.stopRequested ?? false;
	useEffect(() => {
		stopRef.current = stopRequested;
	}, [stopRequested]);
	const journalRef = useRef<ReturnType<ApplyService['read']> | undefined>(undefined);

	const hooks: ApplyHooks = {
		onLog: (line) => dispatch({type: 'apply-log', line}),
		onStep: (index, stepState) => dispatch({type: 'apply-step', index, state: stepState}),
		shouldStop: () => (stopRef.current ? 'Stopped from the keyboard' : undefined),
	};

	useEffect(() => {
		if (!view || view.starts === 0 || !plan) return;
		if (!service) {
			dispatch({type: 'apply-phase', phase: 'refused', problems: ['applying is not available here']});
			return;
		}
		let cancelled = false;
		void (async () => {
			const checked = await service
				.preflight(plan)
				.catch((error: Error) => ({problems: [error.message], plan: undefined}));
			if (cancelled) return;
			if (!checked.plan) {
				dispatch({type: 'apply-phase', phase: 'refused', problems: checked.problems});
				return;
			}
			dispatch({type: 'apply-phase', phase: 'running'});
			let journal = await service.apply(checked.plan, hooks).catch((error: Error) => error);
			if (journal instanceof Error) {
				dispatch({type: 'apply-phase', phase: 'refused', problems: [journal.message]});
				return;
			}
			journalRef.current = journal;
			if (journal.status === 'applied' && journal.guard) {
				journal = service.arm(journal);
				journalRef.current = journal;
				dispatch({type: 'apply-journal', journal: journalView(journal)});
				dispatch({type: 'apply-phase', phase: 'keep'});
				return;
			}
			dispatch({type: 'apply-journal', journal: journalView(journal)});
			dispatch({type: 'apply-phase', phase: 'done'});
		})();
		return () => {
			cancelled = true;
		};
		// A new start request runs a new apply; nothing else does.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [view?.starts]);

	// While waiting for the user to keep a guarded change: follow the journal (the guard may act) and the pings.
	const waiting = view?.phase === 'keep' && view.keepAnswer === undefined;
	useEffect(() => {
		if (!waiting || !service || !journalRef.current) return;
		const ssh = state.model?.header.ssh;
		const gateway = state.model ? pingableGateway(state.model.routes) : undefined;
		dispatch({type: 'apply-tick', now: Date.now()});
		const timer = setInterval(() => {
			dispatch({type: 'apply-tick', now: Date.now()});
			const journal = service.read(journalRef.current!);
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
				!service.guardAlive(journal)
			) {
				dispatch({
					type: 'apply-log',
					line: {
						time: new Date().toISOString(),
						step: -1,
						stream: 'error',
						text: `No confirmation in time, and the SSH guard (pid ${journal.guard?.pid ?? '?'}) is gone: undoing here.`,
					},
				});
				dispatch({type: 'apply-phase', phase: 'running'});
				clearInterval(timer);
				void service.undo(journal, hooks).then(
					(undone) => {
						dispatch({type: 'apply-journal', journal: journalView(undone)});
						dispatch({type: 'apply-phase', phase: 'done'});
					},
					(error: Error) => dispatch({type: 'apply-phase', phase: 'refused', problems: [error.message]}),
				);
				return;
			}
			void Promise.all([
				gateway ? service.reachable(gateway) : Promise.resolve(undefined),
				ssh ? service.reachable(ssh.clientAddress) : Promise.resolve(undefined),
			]).then(([g, c]) =>
				dispatch({
					type: 'apply-reach',
					reach: {...(g === undefined ? {} : {gateway: g}), ...(c === undefined ? {} : {client: c})},
				}),
			);
		}, 1000);
		return () => clearInterval(timer);
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [waiting]);

	useEffect(() => {
		const answer = view?.keepAnswer;
		// The journal applied here, or the interrupted one the app found at start.
		const target = journalRef.current ?? (view?.journal ? {path: view.journal.path} : undefined);
		if (!answer || !service || !target) return;
		void (async () => {
			if (answer === 'keep' && journalRef.current) {
				const kept = service.keep(journalRef.current);
				dispatch({type: 'apply-journal', journal: journalView(kept)});
			} else {
				dispatch({type: 'apply-phase', phase: 'running'});
				const undone = await service.undo(target, hooks).catch((error: Error) => error);
				if (undone instanceof Error) {
					dispatch({type: 'apply-phase', phase: 'refused', problems: [undone.message]});
					return;
				}
				dispatch({type: 'apply-journal', journal: journalView(undone)});
			}
			dispatch({type: 'apply-phase', phase: 'done'});
		})();
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [view?.keepAnswer]);
}
