// The apply screen's state and keys. The app runs the work (ApplyService) and reports back with actions; keys
// only ask: start, stop, keep, undo.
import type {ApplyJournalView} from './apply-types.js';
import type {Key} from './keys.js';
import type {LogLine, StepState} from '../core/journal.js';

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
	phase: ApplyPhase;
	steps: StepState[];
	/** The last lines of the log (the journal keeps every line). */
	log: LogLine[];
	problems: string[];
	journal?: ApplyJournalView;
	stopRequested: boolean;
	/** Bumped by y: the app starts the apply when it changes. */
	starts: number;
	/** The answer in the keep phase, for the app to act on. */
	keepAnswer?: 'keep' | 'undo';
	reach: {gateway?: boolean; client?: boolean};
	/** The time of the last tick, for the countdown. */
	now?: number;
}

export const maxLogLines = 500;

export function initialApply(stepCount: number): ApplyView {
	return {
		phase: 'confirm',
		steps: new Array<StepState>(stepCount).fill('pending'),
		log: [],
		problems: [],
		stopRequested: false,
		starts: 0,
		reach: {},
	};
}

/** The apply screen for a journal a dead process left half-way: its steps as the journal has them. */
export function recoverApply(steps: StepState[], journal: ApplyJournalView): ApplyView {
	return {...initialApply(steps.length), phase: 'recover', steps, journal};
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

/** Keys on the apply screen; `leave` asks to go back to the inventory. */
export function onApplyKey(view: ApplyView, key: Key): {view: ApplyView; leave?: 'preview' | 'inventory'} {
	const char = key.name === 'char' && !key.ctrl ? key.char : undefined;
	switch (view.phase) {
		case 'confirm':
			if (char === 'y') return {view: {...view, phase: 'checking', starts: view.starts + 1}};
			if (key.name === 'escape' || char === 'n' || char === 'q') return {view, leave: 'preview'};
			return {view};
		case 'recover':
			if (char === 'u') return {view: {...view, keepAnswer: 'undo'}};
			if (key.name === 'escape' || char === 'q') return {view, leave: 'inventory'};
			return {view};
		case 'running':
			// Esc (like Ctrl-C, handled by the app) stops before the next step and undoes what was done.
			if (key.name === 'escape' || char === 's') return {view: {...view, stopRequested: true}};
			return {view};
		case 'keep':
			if (char === 'y') return {view: {...view, keepAnswer: 'keep'}};
			if (char === 'n') return {view: {...view, keepAnswer: 'undo'}};
			return {view};
		case 'refused':
		case 'done':
			if (key.name === 'escape' || key.name === 'return' || char === 'q')
				return {view, leave: view.phase === 'refused' ? 'preview' : 'inventory'};
			return {view};
		case 'checking':
			return {view};
	}
}
