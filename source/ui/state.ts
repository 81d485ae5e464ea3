// All of the app's UI state and the one reducer that changes it. Keys are actions too, so a burst of keys is
// applied one after another to the state each one left: nothing reads a stale copy. Side effects are requests the
// reducer queues (see step.ts) and one hook runs.
import {defaultLibvirtUri, type HostModel} from '../core/model.js';
import type {PlanOptions} from '../plan/planner.js';
import {fixPlan, type DoctorFacts} from '../core/doctor/index.js';
import type {Plan} from '../core/plan.js';
import {initialApply, onApplyKey, recoverApply, reduceApply, type ApplyAction, type ApplyView} from './apply-state.js';
import {journalView} from './apply-types.js';
import type {Journal} from '../core/journal.js';
import {onDoctorKey, openDoctor, withFacts, type DoctorView} from './doctor-state.js';
import {onProbeKey, openProbe, reduceProbe, type ProbeAction, type ProbeView} from './probe-state.js';
import {comparisonLayout} from './compare.js';
import {recommend} from '../plan/recommend.js';
import {detailsFor, type Details} from './details.js';
import type {Key} from './keys.js';
import {commandOf, screenBindings} from './bindings.js';
import {intentOf, moveInList} from './keymap.js';
import {detailsHeight, listHeight, previewHeight} from './layout.js';
import type {QueuedRequest, Request, Screen, Step} from './step.js';
import {buildTables, tabs, type TabId, type Table} from './views.js';
import {
	initialWizard,
	onCompareKey,
	onFormKey,
	onModesKey,
	onPreviewKey,
	onQuestionsKey,
	type WizardState,
} from './wizard.js';

export {chromeLines, detailsHeight, listHeight, previewHeight} from './layout.js';

export type {Screen} from './step.js';

export interface UiState {
	model?: HostModel;
	tables?: Record<TabId, Table>;
	loading: boolean;
	loadError?: string;
	screen: Screen;
	tab: TabId;
	cursor: Record<TabId, number>;
	offset: Record<TabId, number>;
	details?: Details;
	detailsOffset: number;
	width: number;
	height: number;
	/** Side effects asked for and not yet taken by the app (use-requests runs them). */
	requests: QueuedRequest[];
	/** The id the next request gets. */
	nextRequest: number;
	quit: boolean;
	wizard: WizardState;
	/** Where a plan's files go, given its name (the libvirt URI is the host's own). */
	planDirectory: PlanOptions['directory'];
	/** The apply in progress (or just finished), from the preview's `a` or the doctor's `f`. */
	apply?: ApplyView;
	doctor?: DoctorView;
	/** The probe on the probe screen (p on a network, or after an apply). */
	probe?: ProbeView;
	/** A line for the inventory's status bar until the next key (p where no network is selected). */
	notice?: string;
}

export type Action =
	/** A scan came in; `tables` when the app built them already (a turn at a time, see buildTablesInTurns). */
	| {type: 'loaded'; model: HostModel; tables?: Record<TabId, Table>}
	| {type: 'load-failed'; error: string}
	| {type: 'resize'; width: number; height: number}
	| {type: 'key'; key: Key}
	/** The app finished saving the plan (or failed to): the line to show. */
	| {type: 'saved'; message: string}
	| {type: 'doctor-facts'; facts: DoctorFacts}
	| {type: 'doctor-failed'; error: string}
	/** At start: a journal a dead process left half-way, for the user to undo now or later. */
	| {type: 'interrupted'; journal: Journal}
	/** The app took these requests to run: they leave the queue. */
	| {type: 'requests-taken'; ids: number[]}
	| ProbeAction
	| ApplyAction;

const zero = (): Record<TabId, number> => ({topology: 0, nics: 0, bridges: 0, networks: 0, vms: 0});

const defaultPlanDirectory: PlanOptions['directory'] = (name) => `/tmp/kvmnet-plans/${name}`;

export function initialState(
	width: number,
	height: number,
	planDirectory: PlanOptions['directory'] = defaultPlanDirectory,
): UiState {
	return {
		loading: true,
		screen: 'inventory',
		tab: 'topology',
		cursor: zero(),
		offset: zero(),
		detailsOffset: 0,
		width,
		height,
		// The first scan is a request like any other.
		requests: [{kind: 'scan', id: 1}],
		nextRequest: 2,
		quit: false,
		wizard: initialWizard(),
		planDirectory,
	};
}

const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);

function rowCount(state: UiState, tab: TabId = state.tab): number {
	return state.tables?.[tab].rows.length ?? 0;
}

/** Move the cursor of the current tab to `index`, scrolling just enough to keep it in view. */
function moveCursor(state: UiState, index: number): UiState {
	const count = rowCount(state);
	const cursor = count === 0 ? 0 : clamp(index, 0, count - 1);
	const height = listHeight(state);
	let offset = state.offset[state.tab];
	if (cursor < offset) offset = cursor;
	if (cursor >= offset + height) offset = cursor - height + 1;
	offset = clamp(offset, 0, Math.max(0, count - height));
	return {...state, cursor: {...state.cursor, [state.tab]: cursor}, offset: {...state.offset, [state.tab]: offset}};
}

function switchTab(state: UiState, tab: TabId): UiState {
	return moveCursor({...state, tab}, state.cursor[tab]);
}

function stepTab(state: UiState, step: number): UiState {
	const index = tabs.findIndex((t) => t.id === state.tab);
	return switchTab(state, tabs[(index + step + tabs.length) % tabs.length]!.id);
}

function scrollDetails(state: UiState, offset: number): UiState {
	const lines = state.details?.lines.length ?? 0;
	return {...state, detailsOffset: clamp(offset, 0, Math.max(0, lines - detailsHeight(state)))};
}

function onInventoryKey(state: UiState, key: Key): UiState {
	if (state.notice) state = {...state, notice: undefined};
	const page = listHeight(state);
	const cursor = state.cursor[state.tab];
	const char = key.name === 'char' && !key.ctrl ? key.char : undefined;
	const intent = intentOf(key);
	const moved = moveInList(cursor, rowCount(state), page, intent);
	if (moved !== undefined) return moveCursor(state, moved);
	if (intent === 'next') return stepTab(state, 1);
	if (intent === 'previous') return stepTab(state, -1);
	if (char && /^[1-5]$/.test(char)) return switchTab(state, tabs[Number(char) - 1]!.id);
	switch (commandOf(screenBindings.inventory, key)) {
		case 'open': {
			const row = state.tables?.[state.tab].rows[cursor];
			if (!row || !state.model) return state;
			return {...state, screen: 'details', details: detailsFor(state.model, row), detailsOffset: 0};
		}
		case 'refresh':
			return ask(state, {kind: 'scan'});
		case 'probe': {
			const row = state.tables?.[state.tab].rows[cursor];
			if (row?.kind === 'network' && state.model) return startProbe(state, row.name);
			return {...state, notice: 'p probes a network: select one in the Networks view (4), then press p'};
		}
		case 'new-network':
			return state.model ? {...state, screen: 'modes'} : state;
		case 'doctor':
			return state.model
				? ask({...state, screen: 'doctor', doctor: openDoctor(state.doctor)}, {kind: 'diagnose'})
				: state;
		case 'help':
			return {...state, screen: 'help'};
		case 'quit':
			return {...state, quit: true};
		default:
			return state;
	}
}

function onDetailsKey(state: UiState, key: Key): UiState {
	const page = detailsHeight(state);
	// The pane scrolls like a list whose rows are its top lines (scrollDetails keeps the last page full).
	const moved = moveInList(state.detailsOffset, state.details?.lines.length ?? 0, page, intentOf(key));
	if (moved !== undefined) return scrollDetails(state, moved);
	const command = commandOf(screenBindings.details, key);
	if (command === 'back') return {...state, screen: 'inventory', details: undefined};
	if (command === 'help') return {...state, screen: 'help'};
	return state;
}

/** Put a sub-reducer's step into the state: its view (by `put`), then the apply it opens, the screen, the request,
 * and the probe it opens. */
function follow<View>(state: UiState, step: Step<View>, put: (state: UiState, view: View) => UiState): UiState {
	let next = put(state, step.view);
	if (step.apply) next = openApply(next, step.apply);
	else if (step.go) next = go(next, step.go);
	if (step.request) next = ask(next, step.request);
	return step.probe ? startProbe(next, step.probe) : next;
}

/** Open the probe screen on a network and ask for the probe. */
function startProbe(state: UiState, network: string): UiState {
	return ask({...go(state, 'probe'), probe: openProbe(network)}, {kind: 'probe', network});
}

/** Queue a side effect for the app. A scan while one runs is not asked twice. */
function ask(state: UiState, request: Request): UiState {
	if (request.kind === 'scan') {
		if (state.loading) return state;
		state = {...state, loading: true};
	}
	return {
		...state,
		requests: [...state.requests, {...request, id: state.nextRequest}],
		nextRequest: state.nextRequest + 1,
	};
}

function openApply(state: UiState, plan: Plan): UiState {
	return {...state, screen: 'apply', apply: initialApply(plan, state.screen === 'doctor' ? 'doctor' : 'preview')};
}

/** Change screens. Leaving the apply screen drops the apply; a change made (a rescan asked) ends the wizard's plan. */
function go(state: UiState, screen: Screen): UiState {
	if (state.screen !== 'apply' || screen === 'apply') return {...state, screen};
	return {...state, screen, apply: undefined};
}

const putWizard = (state: UiState, wizard: WizardState): UiState => ({...state, wizard});

function onApplyScreenKey(state: UiState, key: Key): UiState {
	const view = state.apply!;
	// Ctrl-C quits where nothing is under way; in the middle of an apply it stops and undoes, like Esc.
	if (key.ctrl && key.char === 'c' && !['running', 'keep', 'checking'].includes(view.phase))
		return {...state, quit: true};
	const step = onApplyKey(view, key);
	const next = follow(state, step, (s, apply) => ({...s, apply}));
	if (step.request?.kind !== 'scan') return next;
	// The host changed (or may have): the plan was checked against the old one. The doctor reads its facts again
	// once the new inventory is in (onLoaded).
	const wizard = {...next.wizard, plan: undefined};
	return next.screen === 'doctor' && next.doctor
		? {...next, wizard, doctor: {...next.doctor, loading: true}}
		: {...next, wizard};
}

function onDoctorScreenKey(state: UiState, key: Key): UiState {
	if (!state.doctor) return {...state, screen: 'inventory'};
	const model = state.model;
	const step = onDoctorKey(state.doctor, key, state.height, (check) =>
		model ? fixPlan(model, check, state.planDirectory(`doctor-${check.id.replace(/[^\w.-]+/g, '-')}`)) : undefined,
	);
	return follow(state, step, (s, doctor) => ({...s, doctor}));
}

function onProbeScreenKey(state: UiState, key: Key): UiState {
	const view = state.probe!;
	// Ctrl-C quits once the probe is over; while it runs it stops it, like Esc (what it made is removed first).
	if (key.ctrl && key.char === 'c' && view.phase !== 'running') return {...state, quit: true};
	return follow(state, onProbeKey(view, key, state.width, state.height), (s, probe) => ({...s, probe}));
}

function onKey(state: UiState, key: Key): UiState {
	if (state.screen === 'apply' && state.apply) return onApplyScreenKey(state, key);
	if (state.screen === 'probe' && state.probe) return onProbeScreenKey(state, key);
	if (key.ctrl && key.char === 'c') return {...state, quit: true};
	const host = state.model;
	// Plans are made for the libvirt the host was read from (the demo's own test driver, for the demo).
	const context: PlanOptions = {uri: host?.header.libvirt.uri ?? defaultLibvirtUri, directory: state.planDirectory};
	switch (state.screen) {
		case 'modes':
			return host ? follow(state, onModesKey(state.wizard, key, host, context), putWizard) : state;
		case 'questions': {
			if (!host) return state;
			const recommendation = recommend(state.wizard.answers, host);
			return follow(
				state,
				onQuestionsKey(state.wizard, key, host, context, {
					mode: recommendation.mode,
					runnerUp: recommendation.runnerUp,
				}),
				putWizard,
			);
		}
		case 'compare':
			return follow(state, onCompareKey(state.wizard, key, comparisonLayout(state.width).pages), putWizard);
		case 'form':
			return host ? follow(state, onFormKey(state.wizard, key, host, context), putWizard) : state;
		case 'preview':
			return follow(state, onPreviewKey(state.wizard, key, previewHeight(state), state.width), putWizard);
		case 'help':
			return commandOf(screenBindings.help, key) === 'back'
				? {...state, screen: state.details ? 'details' : 'inventory'}
				: state;
		case 'details':
			return onDetailsKey(state, key);
		case 'doctor':
			return onDoctorScreenKey(state, key);
		case 'inventory':
			return onInventoryKey(state, key);
		case 'apply':
		case 'probe':
			// Only reachable without an apply or probe on the screen: nothing to show there.
			return {...state, screen: 'inventory'};
	}
}

/** After a (re)scan: rebuild the tables and keep each tab's cursor on the same object where it still exists. */
function onLoaded(state: UiState, model: HostModel, built?: Record<TabId, Table>): UiState {
	const tables = built ?? buildTables(model);
	const cursor = zero();
	for (const {id} of tabs) {
		const previous = state.tables?.[id].rows[state.cursor[id]];
		const found = previous
			? tables[id].rows.findIndex(
					(row) => row.kind === previous.kind && row.name === previous.name && row.cells[0] === previous.cells[0],
				)
			: -1;
		cursor[id] = found >= 0 ? found : Math.min(state.cursor[id], Math.max(0, tables[id].rows.length - 1));
	}
	let next: UiState = {...state, model, tables, loading: false, loadError: undefined, cursor};
	for (const {id} of tabs) next = {...moveCursor({...next, tab: id}, cursor[id]), tab: state.tab};
	// The doctor stays open: its checks are run again on the new inventory with fresh facts.
	if (next.screen === 'doctor' && state.doctor)
		return ask({...next, doctor: openDoctor(state.doctor)}, {kind: 'diagnose'});
	// A rescan invalidates open details and any plan in progress (it was checked against the old host).
	if (!['inventory', 'help', 'apply', 'probe'].includes(next.screen))
		next = {
			...next,
			screen: 'inventory',
			details: undefined,
			wizard: initialWizard(),
		};
	return next;
}

export function reduce(state: UiState, action: Action): UiState {
	switch (action.type) {
		case 'loaded':
			return onLoaded(state, action.model, action.tables);
		case 'load-failed':
			return {...state, loading: false, loadError: action.error};
		case 'resize':
			return moveCursor({...state, width: action.width, height: action.height}, state.cursor[state.tab]);
		case 'key':
			return onKey(state, action.key);
		case 'saved':
			return {...state, wizard: {...state.wizard, message: action.message}};
		case 'doctor-facts':
			return state.doctor && state.model
				? {...state, doctor: withFacts(state.doctor, state.model, action.facts, state.height)}
				: state;
		case 'doctor-failed':
			return state.doctor ? {...state, doctor: {...state.doctor, loading: false, error: action.error}} : state;
		case 'interrupted':
			// Shown before anything else: nothing new is applied while the host may be half-changed.
			if (state.apply) return state;
			return {
				...state,
				screen: 'apply',
				apply: recoverApply(
					action.journal.plan,
					action.journal.steps.map((s) => s.state),
					journalView(action.journal),
				),
			};
		case 'requests-taken':
			return {...state, requests: state.requests.filter((request) => !action.ids.includes(request.id))};
		case 'probe-line':
		case 'probe-report':
		case 'probe-failed':
			return state.probe ? {...state, probe: reduceProbe(state.probe, action)} : state;
		default:
			return state.apply ? {...state, apply: reduceApply(state.apply, action)} : state;
	}
}
