// Every screen's line budget in one place: how many lines each part of a screen gets at the terminal's size.
// Screens and the reducer (which scrolls lists by a page) ask here, so a title line added to a screen is counted
// once, where its budget is.
import type {HostModel} from '../core/model.js';

interface Size {
	height: number;
	model?: HostModel;
}

/** Ink clears the whole terminal on every frame once its output is as tall as the terminal: one line stays free. */
export const spareLine = 1;

/** Lines the inventory screen spends outside the list: header (2), a banner (demo, or a remote host without
 * its facts), tab bar, column titles, status. */
export function chromeLines(state: Pick<Size, 'model'>): number {
	const banner = state.model?.source === 'demo' || state.model?.header.remote?.why ? 1 : 0;
	return 2 + banner + 1 + 1 + 1 + spareLine;
}

/** Rows of the inventory's list. */
export function listHeight(state: Size): number {
	return Math.max(1, state.height - chromeLines(state));
}

/** Lines the preview has for a section: all but the title, the tabs and the status line. */
export function previewHeight(state: Size): number {
	return Math.max(1, state.height - 3 - spareLine);
}

/** Lines the details screen has for its body: all but the title and the status line. */
export function detailsHeight(state: Size): number {
	return Math.max(1, state.height - 2 - spareLine);
}

/** The probe's log or matrix: all but the title, the status line and the spare line. */
export function probeBodyHeight(state: Size): number {
	return Math.max(1, state.height - 2 - spareLine);
}

/** The modes list and its explanation pane: all but the title, the message and the status line. */
export const modesBodyHeight = (state: Size) => state.height - 3;

/** The comparison table: all but the title, the page line, the status line and the spare line. */
export const compareHeight = (state: Size) => state.height - 4;

/** The form's help pane under the fields: all but the fields, the title, the error, the status and spare lines. */
export const formHelpHeight = (state: Size, fields: number) => Math.max(1, state.height - fields - 5);

/** Steps listed before an apply (or an interrupted one): all but the title, the warnings and the status line. */
export const applyListHeight = (state: Size) => Math.max(1, state.height - 8);

/** While applying: up to 7 step rows, and the log pane takes what is left after `extra` outcome lines. */
export function applyRunLayout(state: Size, steps: number, extra: number): {stepRows: number; logRows: number} {
	const stepRows = Math.min(steps, 7);
	return {stepRows, logRows: Math.max(3, state.height - 4 - stepRows - extra)};
}

/** Screen lines split between the list and the selected check's details: all but the title, the rule under the
 * list, the status line and the spare last line. */
export function doctorLayout(height: number): {list: number; details: number} {
	const body = Math.max(4, height - 4);
	const list = Math.max(3, Math.floor(body * 0.45));
	return {list, details: body - list};
}
