// The probe screen's state and keys: while the probe runs, its commands as they start; then its matrix (the same
// text `kvmnet probe` prints), scrolled like any long pane. The app runs the probe (a request) and reports back;
// Esc goes back to the inventory (rescanned when the probe was offered after an apply).
import type {ProbeReport} from '../core/probe.js';
import {visible} from '../core/visible.js';
import {commandOf, screenBindings} from './bindings.js';
import type {Key} from './keys.js';
import {intentOf, moveInList} from './keymap.js';
import {probeBodyHeight} from './layout.js';
import {wrapLines} from './plan-text.js';
import {probeText} from './probe-text.js';
import type {Step} from './step.js';

export interface ProbeView {
	network: string;
	phase: 'running' | 'done' | 'failed';
	/** The commands run so far, the last ones (the matrix has the evidence). */
	log: string[];
	report?: ProbeReport;
	/** Why it could not run (no root, no libvirt, the demo…). */
	error?: string;
	/** Esc or Ctrl-C while running: it ends before its next command and removes what it made. */
	stopping?: true;
	/** First line of the result shown. */
	offset: number;
}

export const maxProbeLog = 200;

export type ProbeAction =
	| {type: 'probe-line'; text: string}
	| {type: 'probe-report'; report: ProbeReport}
	| {type: 'probe-failed'; error: string};

export function openProbe(network: string): ProbeView {
	return {network, phase: 'running', log: [], offset: 0};
}

export function reduceProbe(view: ProbeView, action: ProbeAction): ProbeView {
	if (view.phase !== 'running') return view;
	switch (action.type) {
		case 'probe-line':
			return {...view, log: [...view.log.slice(-(maxProbeLog - 1)), action.text]};
		case 'probe-report':
			return {...view, phase: 'done', report: action.report, offset: 0};
		case 'probe-failed':
			return {...view, phase: 'failed', error: action.error};
	}
}

/** The result's lines at this width: the matrix, or why there is none. Every string from the host is made visible. */
export function probeResultLines(view: ProbeView, width: number): string[] {
	if (view.phase === 'failed') return wrapLines([visible(`The probe could not run: ${view.error ?? ''}`)], width, true);
	if (!view.report) return [];
	const stopped = 'Stopped before it finished: what the probe made is removed.';
	// A probe stopped before its first cell has no matrix to show.
	if (view.stopping && view.report.checks.length === 0) return [stopped];
	const text = `${view.stopping ? `${stopped}\n\n` : ''}${probeText(view.report)}`;
	return wrapLines(text.replace(/\n$/, '').split('\n'), width, true);
}

/** Keys on the probe screen: scroll the result, r to probe again, Esc to stop (while running) or go back. */
export function onProbeKey(view: ProbeView, key: Key, width: number, height: number): Step<ProbeView> {
	const command = commandOf(screenBindings.probe, key);
	const ctrlC = key.ctrl && key.char === 'c';
	if (view.phase === 'running') {
		if (command === 'back' || ctrlC)
			return view.stopping ? {view} : {view: {...view, stopping: true}, request: {kind: 'probe-stop'}};
		return {view};
	}
	if (command === 'back') return {view, go: 'inventory'};
	if (command === 'refresh') return {view: openProbe(view.network), request: {kind: 'probe', network: view.network}};
	const lines = probeResultLines(view, width).length;
	const page = probeBodyHeight({height});
	const moved = moveInList(view.offset, Math.max(1, lines - page + 1), page, intentOf(key));
	if (moved !== undefined) return {view: {...view, offset: moved}};
	return {view};
}
