// The wizard's part of the UI state and its keys: pick a mode (or answer questions), fill the fields with the
// plan checked on every keystroke, and read the preview. Pure: saving and applying are requests the app runs.
import {canBeUplink, nicModels, type FieldId, type Params} from '../core/fields.js';
import type {HostModel} from '../core/model.js';
import type {FieldError, Plan} from '../core/plan.js';
import {makePlan, withDefaults, type PlanOptions} from '../plan/planner.js';
import {questions, type Answers} from '../plan/recommend.js';
import {modes} from '../modes/catalog.js';
import type {ModeDefinition} from '../modes/types.js';
import type {Key} from './keys.js';
import {commandOf, screenBindings} from './bindings.js';
import {intentOf, moveInList} from './keymap.js';
import {previewLines, previewSections} from './plan-text.js';
import type {Step, WizardScreen} from './step.js';

export type {WizardScreen} from './step.js';

export interface WizardState {
	modeCursor: number;
	questionCursor: number;
	answers: Answers;
	comparePage: number;
	compareOffset: number;
	mode?: ModeDefinition;
	params: Params;
	fieldCursor: number;
	errors: FieldError[];
	plan?: Plan;
	previewTab: number;
	previewOffset: number;
	/** A line for the status bar: why a mode cannot be chosen, where a plan was saved. */
	message?: string;
}

export const initialWizard = (): WizardState => ({
	modeCursor: 0,
	questionCursor: 0,
	answers: {reachableFromLan: false, internet: true, isolatedFromHost: false, maxThroughput: false, vlans: false},
	comparePage: 0,
	compareOffset: 0,
	params: {},
	fieldCursor: 0,
	errors: [],
	previewTab: 0,
	previewOffset: 0,
});

/** Values ← and → step through, for fields that have a short list of sensible values. */
export function fieldChoices(mode: ModeDefinition, field: FieldId, host: HostModel): string[] | undefined {
	switch (field) {
		case 'uplink': {
			const need = mode.rules.uplink;
			const nics = host.nics.filter((n) => canBeUplink(n, need)).map((n) => n.name);
			return need === 'optional' || need === 'wired-optional' ? ['', ...nics] : nics;
		}
		case 'vlan-method':
			return ['ovs', 'subinterface', 'libvirt'];
		case 'autostart':
			return ['yes', 'no'];
		case 'model':
			return nicModels;
		case 'vms':
			return ['', ...host.vms.map((vm) => vm.name)];
		default:
			return undefined;
	}
}

/** Check the current parameters: the plan when they are valid, every error otherwise. */
export function revalidate(wizard: WizardState, host: HostModel, context: PlanOptions): WizardState {
	if (!wizard.mode) return wizard;
	const result = makePlan(wizard.mode.id, wizard.params, host, context);
	return {...wizard, errors: result.errors, plan: result.plan};
}

export function startForm(
	wizard: WizardState,
	mode: ModeDefinition,
	host: HostModel,
	context: PlanOptions,
): WizardState {
	const params = withDefaults(mode, {}, host);
	// Only the mode's own fields: defaults never add others.
	const own = Object.fromEntries(mode.rules.fields.map((f) => [f, params[f] ?? ''])) as Params;
	return revalidate(
		{
			...wizard,
			mode,
			params: own,
			fieldCursor: 0,
			previewTab: 0,
			previewOffset: 0,
			message: undefined,
			plan: undefined,
		},
		host,
		context,
	);
}

/** A wizard key's outcome: the wizard's state and the screen to show next ('inventory' leaves the wizard). */
export type WizardStep = Step<WizardState> & {go: WizardScreen | 'inventory'};

const charOf = (key: Key) => (key.name === 'char' && !key.ctrl ? key.char : undefined);

export function onModesKey(wizard: WizardState, key: Key, host: HostModel, context: PlanOptions): WizardStep {
	const move = (cursor: number): WizardStep => ({
		view: {...wizard, modeCursor: Math.min(Math.max(cursor, 0), modes.length - 1), message: undefined},
		go: 'modes',
	});
	const moved = moveInList(wizard.modeCursor, modes.length, modes.length, intentOf(key));
	if (moved !== undefined) return move(moved);
	const command = commandOf(screenBindings.modes, key);
	if (command === 'compare') return {view: wizard, go: 'compare'};
	if (command === 'which-mode') return {view: wizard, go: 'questions'};
	if (command === 'back') return {view: {...wizard, message: undefined}, go: 'inventory'};
	if (command === 'open') {
		const mode = modes[wizard.modeCursor]!;
		const why = mode.unavailable(host);
		if (why) return {view: {...wizard, message: `${mode.title} is not possible here: ${why}`}, go: 'modes'};
		return {view: startForm(wizard, mode, host, context), go: 'form'};
	}
	return {view: wizard, go: 'modes'};
}

export function onQuestionsKey(
	wizard: WizardState,
	key: Key,
	host: HostModel,
	context: PlanOptions,
	recommended: {mode: string; runnerUp?: string},
): WizardStep {
	const question = questions[wizard.questionCursor]!;
	const set = (value: boolean): WizardStep => ({
		view: {...wizard, answers: {...wizard.answers, [question.key]: value}},
		go: 'questions',
	});
	// Tab goes to the next question, as in a form.
	const intent = key.name === 'tab' ? 'down' : intentOf(key);
	if (intent === 'up' || intent === 'down')
		return {
			view: {...wizard, questionCursor: moveInList(wizard.questionCursor, questions.length, 1, intent)!},
			go: 'questions',
		};
	const command = commandOf(screenBindings.questions, key);
	if (command === 'answer-yes') return set(true);
	if (command === 'answer-no') return set(false);
	if (command === 'toggle') return set(!wizard.answers[question.key]);
	if (command === 'back') return {view: wizard, go: 'modes'};
	const pick = (id: string | undefined): WizardStep => {
		const mode = modes.find((m) => m.id === id);
		if (!mode) return {view: wizard, go: 'questions'};
		return {view: startForm({...wizard, modeCursor: modes.indexOf(mode)}, mode, host, context), go: 'form'};
	};
	if (command === 'use-recommended') return pick(recommended.mode);
	if (command === 'use-runner-up') return pick(recommended.runnerUp);
	return {view: wizard, go: 'questions'};
}

export function onCompareKey(wizard: WizardState, key: Key, comparePages: number): WizardStep {
	const intent = intentOf(key);
	if (intent === 'previous')
		return {
			view: {...wizard, comparePage: (wizard.comparePage + comparePages - 1) % comparePages},
			go: 'compare',
		};
	if (intent === 'next')
		return {view: {...wizard, comparePage: (wizard.comparePage + 1) % comparePages}, go: 'compare'};
	if (intent === 'up' || intent === 'down')
		return {
			view: {...wizard, compareOffset: moveInList(wizard.compareOffset, modes.length, 1, intent)!},
			go: 'compare',
		};
	if (commandOf(screenBindings.compare, key) === 'back') return {view: wizard, go: 'modes'};
	return {view: wizard, go: 'compare'};
}

export function onFormKey(wizard: WizardState, key: Key, host: HostModel, context: PlanOptions): WizardStep {
	const mode = wizard.mode!;
	const fields = mode.rules.fields;
	const field = fields[wizard.fieldCursor]!;
	const value = wizard.params[field] ?? '';
	const edit = (next: string): WizardStep => ({
		view: revalidate({...wizard, params: {...wizard.params, [field]: next}}, host, context),
		go: 'form',
	});
	const focus = (cursor: number): WizardStep => ({
		view: {...wizard, fieldCursor: (cursor + fields.length) % fields.length},
		go: 'form',
	});
	if (key.name === 'up' || key.name === 'backtab') return focus(wizard.fieldCursor - 1);
	if (key.name === 'down' || key.name === 'tab') return focus(wizard.fieldCursor + 1);
	const command = commandOf(screenBindings.form, key);
	if (command === 'choices') {
		const choices = fieldChoices(mode, field, host);
		if (!choices || choices.length === 0) return {view: wizard, go: 'form'};
		const index = choices.indexOf(value);
		const next = choices[(index + (key.name === 'right' ? 1 : -1) + choices.length) % choices.length]!;
		// For the VM list, → adds the next VM rather than replacing the list.
		if (field === 'vms' && key.name === 'right' && next !== '' && value !== '' && !value.split(',').includes(next))
			return edit(`${value},${next}`);
		return edit(next);
	}
	if (key.name === 'backspace') return edit(value.slice(0, -1));
	if (command === 'clear') return edit('');
	if (command === 'back') return {view: {...wizard, plan: undefined}, go: 'modes'};
	if (command === 'open') {
		if (wizard.plan) return {view: {...wizard, previewTab: 0, previewOffset: 0, message: undefined}, go: 'preview'};
		const first = fields.findIndex((f) => wizard.errors.some((e) => e.field === f));
		return {
			view: {...wizard, fieldCursor: first >= 0 ? first : wizard.fieldCursor, message: wizard.errors[0]?.message},
			go: 'form',
		};
	}
	if (key.name === 'char' && !key.ctrl && key.char) return edit(value + key.char);
	return {view: wizard, go: 'form'};
}

export function onPreviewKey(wizard: WizardState, key: Key, pageHeight: number, width: number): WizardStep {
	const char = charOf(key);
	const sections = wizard.plan ? previewSections(wizard.plan) : [];
	const lines = wizard.plan ? previewLines(wizard.plan, wizard.previewTab, width).length : 0;
	const scroll = (offset: number): WizardStep => ({
		view: {...wizard, previewOffset: Math.min(Math.max(offset, 0), Math.max(0, lines - pageHeight))},
		go: 'preview',
	});
	const tab = (step: number): WizardStep => ({
		view: {...wizard, previewTab: (wizard.previewTab + step + sections.length) % sections.length, previewOffset: 0},
		go: 'preview',
	});
	const intent = intentOf(key);
	if (intent === 'next') return tab(1);
	if (intent === 'previous') return tab(-1);
	if (char && /^[1-4]$/.test(char))
		return {view: {...wizard, previewTab: Number(char) - 1, previewOffset: 0}, go: 'preview'};
	const moved = moveInList(wizard.previewOffset, lines + 1, pageHeight, intent);
	if (moved !== undefined) return scroll(moved);
	const command = commandOf(screenBindings.preview, key);
	if (command === 'save' && wizard.plan)
		return {view: {...wizard, message: 'Saving…'}, go: 'preview', request: {kind: 'save', plan: wizard.plan}};
	if (command === 'apply' && wizard.plan) return {view: wizard, go: 'preview', apply: wizard.plan};
	if (command === 'back') return {view: {...wizard, message: undefined}, go: 'form'};
	if (command === 'to-inventory') return {view: {...wizard, message: undefined}, go: 'inventory'};
	return {view: wizard, go: 'preview'};
}
