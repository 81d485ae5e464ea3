// The Doctor screen's state and keys: the checks as a list grouped by area (worst group first), the selected
// check's details below it, and `f` to apply a fix. The app gathers the facts (a request); the reducer runs the checks.
import {groupTitles, isFixable, runChecks, type CheckResult, type DoctorFacts} from '../core/doctor/index.js';
import type {HostModel} from '../core/model.js';
import {checkLines, groupedResults, statusLabel} from './doctor-text.js';
import type {Key} from './keys.js';
import {commandOf, screenBindings} from './bindings.js';
import {intentOf, moveInList} from './keymap.js';
import {doctorLayout} from './layout.js';
import {wrapLines} from './plan-text.js';
import type {Plan} from '../core/plan.js';
import type {Step} from './step.js';

export interface DoctorView {
	/** Fresh facts were asked for (opening the screen, r, after a fix) and are not in yet. */
	loading: boolean;
	error?: string;
	facts?: DoctorFacts;
	results: CheckResult[];
	/** Index into `results` in the order the list shows them. */
	cursor: number;
	/** First list line shown. */
	offset: number;
}

/** The doctor opened (or back after a rescan): the last results stay shown until the fresh facts are in. */
export function openDoctor(previous: DoctorView | undefined): DoctorView {
	return {
		loading: true,
		results: previous?.results ?? [],
		cursor: previous?.cursor ?? 0,
		offset: previous?.offset ?? 0,
	};
}

/** The checks in list order, and the list's lines: group titles between them. */
export function doctorList(results: CheckResult[]): {
	ordered: CheckResult[];
	lines: ({group: string} | {check: number})[];
} {
	const ordered: CheckResult[] = [];
	const lines: ({group: string} | {check: number})[] = [];
	for (const {group, results: list} of groupedResults(results)) {
		lines.push({group: groupTitles[group]});
		for (const result of list) lines.push({check: ordered.push(result) - 1});
	}
	return {ordered, lines};
}

export const doctorRowText = (result: CheckResult) => `${statusLabel[result.status].padEnd(4)}  ${result.title}`;

export function selectedDetails(view: DoctorView, width: number): string[] {
	const result = doctorList(view.results).ordered[view.cursor];
	return result ? wrapLines(checkLines(result, 'screen').slice(1), width, true) : [];
}

/** The checks run on fresh facts; a cursor moved before they arrived (keys typed right after d) lands now. */
export function withFacts(view: DoctorView, host: HostModel, facts: DoctorFacts, height: number): DoctorView {
	return moveTo(
		{...view, loading: false, error: undefined, facts, results: runChecks(host, facts)},
		view.cursor,
		doctorLayout(height).list,
	);
}

function moveTo(view: DoctorView, index: number, listHeight: number): DoctorView {
	const {ordered, lines} = doctorList(view.results);
	// Before the first results there is nothing to clamp to: keep the move for when they come.
	if (ordered.length === 0) return {...view, cursor: Math.max(0, index)};
	const cursor = Math.min(Math.max(index, 0), ordered.length - 1);
	const line = lines.findIndex((l) => 'check' in l && l.check === cursor);
	let offset = view.offset;
	// Keep the group title above the first check of a group in view when moving up to it.
	const top = line > 0 && 'group' in lines[line - 1]! ? line - 1 : line;
	if (top < offset) offset = top;
	if (line >= offset + listHeight) offset = line - listHeight + 1;
	return {...view, cursor, offset: Math.max(0, Math.min(offset, Math.max(0, lines.length - listHeight)))};
}

export {doctorLayout};

/** Keys on the doctor: move, leave, r to rescan and check again, f to apply the selected check's fix. */
export function onDoctorKey(
	view: DoctorView,
	key: Key,
	height: number,
	fixPlan: (check: CheckResult) => Plan | undefined,
): Step<DoctorView> {
	const {list} = doctorLayout(height);
	const command = commandOf(screenBindings.doctor, key);
	if (command === 'back') return {view, go: 'inventory'};
	const moved = moveInList(
		view.cursor,
		// Until the checks are in, moves are kept (moveTo places the cursor once the list arrives).
		view.results.length > 0 ? view.results.length : undefined,
		list,
		intentOf(key),
	);
	if (moved !== undefined) return {view: moveTo(view, moved, list)};
	// The facts are read again once the new inventory is in (see the reducer's onLoaded).
	if (command === 'refresh' && !view.loading) return {view: {...view, loading: true}, request: {kind: 'scan'}};
	if (command === 'fix' && !view.loading) {
		const result = doctorList(view.results).ordered[view.cursor];
		const plan = result && isFixable(result) ? fixPlan(result) : undefined;
		if (plan) return {view, apply: plan};
	}
	return {view};
}
