// The apply screen's state and keys. The app runs the work (ApplyService) and reports back with actions; keys
// only ask (requests): apply, stop, keep, undo.
import type {ApplyJournalView} from './apply-types.js';
import type {Key} from './keys.js';
import type {LogLine, StepState} from '../core/journal.js';
import type {Plan} from '../core/plan.js';
import type {Step} from './step.js';
import {applyBindings, commandOf} from './bindings.js';

export type ApplyPhase =
	/** Showing what will change; y starts. */
	| 'confirm'
	/** At start: an apply or undo that a dead process left half-way; u undoes it, Esc leaves it for later. */
	| 'recover'
	/** Checking privileges, tools and that the plan still fits. */
	| 'checking'
	| 'refused'
	| 'running'
	/** Applied with a guard: keep it (y) or undo it (n) before the deadline. */
	| 'keep'
	| 'done';

export interface ApplyView {
	/** The plan being applied (or, at start, the plan of the journal found half-way). */
	plan: Plan;
	/** Where the screen goes back to: the wizard's preview, or the doctor for a fix. */
	from: 'preview' | 'doctor';
	phase: ApplyPhase;
	steps: StepState[];
	/** The last lines of the log (the journal keeps every line). */
	log: LogLine[];
	problems: string[];
	journal?: ApplyJournalView;
	/** Esc or Ctrl-C while running: the apply stops before its next step. */
	stopping?: true;
	reach: {gateway?: boolean; client?: boolean};
	/** The time of the last tick, for the countdown. */
	now?: number;
}

export const maxLogLines = 500;

export function initialApply(plan: Plan, from: ApplyView['from']): ApplyView {
	return {
		plan,
		from,
		phase: 'confirm',
		steps: new Array<StepState>(plan.steps.length).fill('pending'),
		log: [],
		problems: [],
		reach: {},
	};
}

/** The apply screen for a journal a dead process left half-way: its steps as the journal has them. */
export function recoverApply(plan: Plan, steps: StepState[], journal: ApplyJournalView): ApplyView {
	return {...initialApply(plan, 'preview'), phase: 'recover', steps, journal};
}

export type ApplyAction =
	| {type: 'apply-phase'; phase: ApplyPhase; problems?: string[]}
	| {type: 'apply-log'; line: LogLine}
	| {type: 'apply-step'; index: number; state: StepState}
	| {type: 'apply-journal'; journal: ApplyJournalView}
	| {type: 'apply-reach'; reach: ApplyView['reach']}
	/** The clock, once a second while a countdown runs (screens render state: they do not read the clock). */
	| {type: 'apply-tick'; now: number};

export function reduceApply(view: ApplyView, action: ApplyAction): ApplyView {
	switch (action.type) {
		case 'apply-phase':
			return {...view, phase: action.phase, ...(action.problems ? {problems: action.problems} : {})};
		case 'apply-log': {
			const log =
				view.log.length >= maxLogLines
					? [...view.log.slice(view.log.length - maxLogLines + 1), action.line]
					: [...view.log, action.line];
			return {...view, log};
		}
		case 'apply-step': {
			const steps = [...view.steps];
			steps[action.index] = action.state;
			return {...view, steps};
		}
		case 'apply-journal':
			return {...view, journal: action.journal};
		case 'apply-reach':
			return {...view, reach: action.reach};
		case 'apply-tick':
			return {...view, now: action.now};
	}
}

/** The network an apply just made, to offer a probe of (p) once it is applied; undefined when there is none. */
export function probeOffer(view: ApplyView): string | undefined {
	if (view.phase !== 'done' || view.journal?.status !== 'applied' || !view.plan.networkXml) return undefined;
	return view.plan.params['name'] || undefined;
}

/**
 * Keys on the apply screen (Ctrl-C is Esc here: it never quits in the middle of an apply). Leaving goes back where
 * the apply came from; after a change, with a rescan (the host changed, or may have).
 */
export function onApplyKey(view: ApplyView, key: Key): Step<ApplyView> {
	const afterChange: Step<ApplyView> = {
		view,
		go: view.from === 'doctor' ? 'doctor' : 'inventory',
		request: {kind: 'scan'},
	};
	switch (commandOf(applyBindings[view.phase], key)) {
		case 'start':
			return {view: {...view, phase: 'checking'}, request: {kind: 'apply', plan: view.plan}};
		case 'back':
			return {view, go: view.from};
		case 'leave':
			return afterChange;
		case 'probe': {
			const network = probeOffer(view);
			return network ? {...afterChange, probe: network} : {view};
		}
		case 'stop':
			// Stops before the next step and undoes what was done.
			return view.stopping ? {view} : {view: {...view, stopping: true}, request: {kind: 'stop'}};
		case 'keep':
			return {view: {...view, phase: 'done'}, request: {kind: 'keep'}};
		case 'undo':
			return {view: {...view, phase: 'running'}, request: {kind: 'undo'}};
		default:
			return {view};
	}
}
