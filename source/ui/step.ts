// What a key (or a result) asks of the app, as data: the screens, the side effects the reducer may request, and the
// one shape every sub-reducer returns. The reducer stays pure: it queues a request; one hook (use-requests) runs it.
import type {Plan} from '../core/plan.js';

export type WizardScreen = 'modes' | 'questions' | 'compare' | 'form' | 'preview';

export type Screen = 'inventory' | 'details' | 'help' | WizardScreen | 'apply' | 'doctor' | 'probe';

/** A side effect for the app to run; its result comes back as an action. */
export type Request =
	/** Scan the host again (the first scan is one too). */
	| {kind: 'scan'}
	/** Read the doctor's facts for the host as last scanned. */
	| {kind: 'diagnose'}
	/** Write a plan's files. */
	| {kind: 'save'; plan: Plan}
	/** Check and apply the plan on the apply screen. */
	| {kind: 'apply'; plan: Plan}
	/** Stop the running apply before its next step (what was done is undone). */
	| {kind: 'stop'}
	/** Keep a guarded change: tell the guard not to undo it. */
	| {kind: 'keep'}
	/** Undo the apply on the screen (just applied, or found half-way at start). */
	| {kind: 'undo'}
	/** Measure what a guest on this network reaches (the host is scanned afresh first). */
	| {kind: 'probe'; network: string}
	/** End the probe under way before its next command (it removes what it made). */
	| {kind: 'probe-stop'};

export type QueuedRequest = Request & {id: number};

/** What a sub-reducer returns: its new view, where to go next (absent: stay), and what to ask of the app. */
export interface Step<View> {
	view: View;
	go?: Screen;
	request?: Request;
	/** A plan to open on the apply screen (the preview's a, the doctor's f). */
	apply?: Plan;
	/** A network to open the probe screen on (after an apply: p). */
	probe?: string;
}
