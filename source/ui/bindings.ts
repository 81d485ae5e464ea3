// Each screen's keys as data: which keys give which command, the words the status bar shows and the sentences the
// help screen shows. The reducers ask commandOf() what a key means here, so the hints and the help cannot drift
// from what the keys do. List movement (↑↓ j k, PgUp PgDn, Home End) is the shared keymap's (keymap.ts).
import type {ApplyPhase} from './apply-state.js';
import type {Key, KeyName} from './keys.js';
import type {Screen} from './step.js';

export type Command =
	| 'move'
	| 'page'
	| 'ends'
	| 'views'
	| 'open'
	| 'new-network'
	| 'doctor'
	| 'refresh'
	| 'help'
	| 'back'
	| 'quit'
	| 'fix'
	| 'which-mode'
	| 'compare'
	| 'more-columns'
	| 'answer-yes'
	| 'answer-no'
	| 'toggle'
	| 'use-recommended'
	| 'use-runner-up'
	| 'edit'
	| 'choices'
	| 'clear'
	| 'sections'
	| 'apply'
	| 'save'
	| 'to-inventory'
	| 'start'
	| 'stop'
	| 'keep'
	| 'undo'
	| 'leave'
	| 'probe';

export interface Binding {
	command: Command;
	/** The keys as the user reads them. */
	label: string;
	/** The status bar's words for it (absent: shown in the help only). */
	hint?: string;
	/** The help screen's sentence for it (absent: the status bar only). */
	help?: string;
	/** The keys that give it; absent for movement (the shared keymap) and for typing. Ctrl combinations as ^X. */
	keys?: readonly (KeyName | `^${string}`)[];
	chars?: readonly string[];
}

const move: Binding = {command: 'move', label: '↑↓', hint: 'move', help: 'move in a list, scroll details (also j k)'};
const page: Binding = {command: 'page', label: 'PgUp PgDn Space', help: 'a page at a time'};
const ends: Binding = {command: 'ends', label: 'Home End  g G', help: 'first, last'};
const help: Binding = {command: 'help', label: '?', hint: 'keys', help: 'this help', chars: ['?']};

export const screenBindings: Record<Exclude<Screen, 'apply'>, readonly Binding[]> = {
	// The list moves are in the help, not the status bar: at 80 columns the rest fills it.
	inventory: [
		{...move, hint: undefined},
		page,
		ends,
		{
			command: 'open',
			label: 'Enter',
			hint: 'details',
			help: 'details of the selected row, with its libvirt XML',
			keys: ['return'],
		},
		{
			command: 'views',
			label: '1-5',
			hint: 'views',
			help: 'views: topology, NICs, bridges, networks, VMs (Tab ← →)',
		},
		{
			command: 'new-network',
			label: 'n',
			hint: 'new network',
			help: 'new network: pick a mode (or answer questions), fill in',
			chars: ['n'],
		},
		{
			command: 'doctor',
			label: 'd',
			hint: 'doctor',
			help: 'doctor: what breaks VM networking here (f applies a fix)',
			chars: ['d'],
		},
		{command: 'refresh', label: 'r', hint: 'scan', help: 'scan the host again', chars: ['r']},
		{
			command: 'probe',
			label: 'p',
			hint: 'probe',
			help: 'probe the selected network: what a guest on it reaches',
			chars: ['p'],
		},
		{...help, hint: 'help'},
		{command: 'quit', label: 'q', hint: 'quit', help: 'quit (Esc or q goes back from other screens)', chars: ['q']},
		{command: 'quit', label: 'Ctrl-C', help: 'quit from anywhere (in an apply: stop and undo)', keys: ['^c']},
	],
	details: [
		{command: 'move', label: '↑↓ PgUp PgDn', hint: 'scroll'},
		{command: 'back', label: 'Esc', hint: 'back', keys: ['escape', 'backspace', 'left'], chars: ['q', 'h']},
		help,
	],
	help: [
		{
			command: 'back',
			label: 'Esc, q or ?',
			hint: 'to go back',
			keys: ['escape', 'return', 'backspace'],
			chars: ['?', 'q'],
		},
	],
	doctor: [
		move,
		{command: 'fix', label: 'f', hint: 'apply this fix', chars: ['f']},
		{command: 'refresh', label: 'r', hint: 'check again', chars: ['r']},
		{command: 'back', label: 'Esc', hint: 'back', keys: ['escape', 'backspace', 'left'], chars: ['q']},
	],
	probe: [
		{command: 'move', label: '↑↓ PgUp PgDn', hint: 'scroll'},
		{command: 'refresh', label: 'r', hint: 'probe again', chars: ['r']},
		{command: 'back', label: 'Esc', hint: 'back', keys: ['escape', 'backspace', 'left'], chars: ['q']},
	],
	modes: [
		{command: 'move', label: '↑↓', hint: 'choose'},
		{command: 'open', label: 'Enter', hint: 'fill in', keys: ['return']},
		{command: 'which-mode', label: 'w', hint: 'which mode fits?', chars: ['w']},
		{command: 'compare', label: 'c', hint: 'compare all', chars: ['c']},
		{command: 'back', label: 'Esc', hint: 'back', keys: ['escape'], chars: ['q']},
	],
	questions: [
		{command: 'move', label: '↑↓', hint: 'question'},
		{command: 'answer-yes', label: 'y/n/Space', hint: 'answer', chars: ['y']},
		{command: 'answer-no', label: 'n', chars: ['n']},
		{command: 'toggle', label: 'Space', keys: ['left', 'right'], chars: [' ']},
		{command: 'use-recommended', label: 'Enter', hint: 'recommended', keys: ['return']},
		{command: 'use-runner-up', label: 'u', hint: 'runner-up', chars: ['u']},
		{command: 'back', label: 'Esc', hint: 'back', keys: ['escape'], chars: ['q']},
	],
	compare: [
		{command: 'more-columns', label: '←→', hint: 'more columns'},
		{command: 'move', label: '↑↓', hint: 'scroll'},
		{command: 'back', label: 'Esc', hint: 'back (dimmed: not possible here)', keys: ['escape'], chars: ['q', 'c']},
	],
	form: [
		{command: 'move', label: '↑↓', hint: 'field'},
		{command: 'edit', label: 'type', hint: 'to edit'},
		{command: 'choices', label: '←→', hint: 'choices', keys: ['left', 'right']},
		{command: 'clear', label: 'Ctrl-U', hint: 'clear', keys: ['^u']},
		{command: 'open', label: 'Enter', hint: 'preview', keys: ['return']},
		{command: 'back', label: 'Esc', hint: 'modes', keys: ['escape']},
	],
	preview: [
		{command: 'sections', label: 'Tab/1-4', hint: 'sections'},
		{command: 'move', label: '↑↓', hint: 'scroll'},
		{command: 'apply', label: 'a', hint: 'apply', chars: ['a']},
		{command: 'save', label: 's', hint: 'save', chars: ['s']},
		{command: 'back', label: 'Esc', hint: 'edit', keys: ['escape', 'backspace'], chars: ['e']},
		{command: 'to-inventory', label: 'q', hint: 'inventory', chars: ['q']},
	],
};

/** The apply screen's keys, by phase (Ctrl-C is Esc there: it never quits in the middle of an apply). */
export const applyBindings: Record<ApplyPhase, readonly Binding[]> = {
	confirm: [
		{command: 'start', label: 'y', hint: 'apply now', chars: ['y']},
		{command: 'back', label: 'Esc', hint: 'back (nothing has been changed)', keys: ['escape', '^c'], chars: ['n', 'q']},
	],
	recover: [
		{command: 'undo', label: 'u', hint: 'undo it now (recommended)', chars: ['u']},
		{command: 'leave', label: 'Esc', hint: 'leave it (kvmnet undo later)', keys: ['escape', '^c'], chars: ['q']},
	],
	// The checks before the first step (half a second or more over ssh): stopping there changes nothing.
	checking: [
		{
			command: 'stop',
			label: 'Esc or Ctrl-C',
			hint: 'stop before anything changes',
			keys: ['escape', '^c'],
			chars: ['s'],
		},
	],
	running: [
		{
			command: 'stop',
			label: 'Esc or Ctrl-C',
			hint: 'stop and undo what was done',
			keys: ['escape', '^c'],
			chars: ['s'],
		},
	],
	keep: [
		{command: 'keep', label: 'y', hint: 'keep', chars: ['y']},
		{command: 'undo', label: 'n', hint: 'undo now', keys: ['escape', '^c'], chars: ['n']},
	],
	refused: [
		{
			command: 'back',
			label: 'Enter or Esc',
			hint: 'back (nothing was changed)',
			keys: ['escape', 'return', '^c'],
			chars: ['q'],
		},
	],
	done: [
		{command: 'probe', label: 'p', hint: 'probe the network', chars: ['p']},
		{
			command: 'leave',
			label: 'Enter or Esc',
			hint: 'back (the host is scanned again)',
			keys: ['escape', 'return', '^c'],
			chars: ['q'],
		},
	],
};

/** What a key means in this table, if anything. */
export function commandOf(bindings: readonly Binding[], key: Key): Command | undefined {
	const char = key.name === 'char' && !key.ctrl ? key.char : undefined;
	const name = key.ctrl && key.char ? (`^${key.char}` as const) : key.name;
	return bindings.find((b) => (char !== undefined ? b.chars?.includes(char) : b.keys?.includes(name)))?.command;
}

/** The status bar: each hinted binding as "keys words", in the table's order. */
export function hintLine(bindings: readonly Binding[], leaveOut: readonly Command[] = []): string {
	return bindings
		.filter((b) => b.hint && !leaveOut.includes(b.command))
		.map((b) => `${b.label} ${b.hint}`)
		.join(' · ');
}

/** The inventory's status bar on a view: p is for networks, and its hint takes the views' place there (80 columns
 * hold one of the two). */
export const inventoryHints = (tab: string) =>
	hintLine(screenBindings.inventory, tab === 'networks' ? ['views'] : ['probe']);

/** The help screen's rows: keys and what they do. */
export function helpRows(bindings: readonly Binding[]): [string, string][] {
	return bindings.filter((b) => b.help).map((b) => [b.label, b.help!]);
}
