// Keys as intents: which raw keys ask for what, in one table, so every list and pane reads "up" (↑ or k), "page
// down" (PgDn or space), "first" (Home or g) the same way; and one helper that moves a list's cursor by an intent.
import type {Key, KeyName} from './keys.js';

export type Intent = 'up' | 'down' | 'page-up' | 'page-down' | 'first' | 'last' | 'next' | 'previous';

interface Binding {
	intent: Intent;
	keys: KeyName[];
	chars: string[];
}

export const bindings: readonly Binding[] = [
	{intent: 'up', keys: ['up'], chars: ['k']},
	{intent: 'down', keys: ['down'], chars: ['j']},
	{intent: 'page-up', keys: ['pageup'], chars: []},
	{intent: 'page-down', keys: ['pagedown'], chars: [' ']},
	{intent: 'first', keys: ['home'], chars: ['g']},
	{intent: 'last', keys: ['end'], chars: ['G']},
	{intent: 'next', keys: ['tab', 'right'], chars: ['l']},
	{intent: 'previous', keys: ['backtab', 'left'], chars: ['h']},
];

/** What the key asks for, if it is one of the shared bindings (a Ctrl combination never is). */
export function intentOf(key: Key): Intent | undefined {
	if (key.ctrl) return undefined;
	const char = key.name === 'char' ? key.char : undefined;
	return bindings.find((b) => (char !== undefined ? b.chars.includes(char) : b.keys.includes(key.name)))?.intent;
}

/**
 * The cursor of a list of `count` rows after a movement intent, kept inside the list; `page` rows per page.
 * Undefined when the intent does not move a list (next, previous, or none). A list whose rows are not in yet
 * (`count` undefined) still moves from its cursor, with no end to go to: keys typed early are not lost.
 */
export function moveInList(
	cursor: number,
	count: number | undefined,
	page: number,
	intent: Intent | undefined,
): number | undefined {
	const last = count === undefined ? Number.MAX_SAFE_INTEGER : Math.max(0, count - 1);
	const to = (index: number) => Math.min(Math.max(index, 0), last);
	switch (intent) {
		case 'up':
			return to(cursor - 1);
		case 'down':
			return to(cursor + 1);
		case 'page-up':
			return to(cursor - page);
		case 'page-down':
			return to(cursor + page);
		case 'first':
			return 0;
		case 'last':
			return count === undefined ? undefined : last;
		default:
			return undefined;
	}
}
