// The shared key bindings: which keys ask for which intent, and one list's cursor moved by an intent.
import {describe, expect, it} from 'vitest';
import {intentOf, moveInList} from '../source/ui/keymap.js';
import {parseKeys} from '../source/ui/keys.js';

describe('the keymap', () => {
	it.each([
		['\x1b[A', 'up'],
		['k', 'up'],
		['\x1b[B', 'down'],
		['j', 'down'],
		['\x1b[5~', 'page-up'],
		['\x1b[6~', 'page-down'],
		[' ', 'page-down'],
		['\x1b[H', 'first'],
		['g', 'first'],
		['\x1b[F', 'last'],
		['G', 'last'],
		['\t', 'next'],
		['\x1b[C', 'next'],
		['l', 'next'],
		['\x1b[Z', 'previous'],
		['\x1b[D', 'previous'],
		['h', 'previous'],
		['x', undefined],
		['\r', undefined],
		['\x0b', undefined],
	])('%j asks for %s', (input, intent) => {
		expect(parseKeys(input).map(intentOf)).toEqual([intent]);
	});

	it('moves a cursor inside its list, by one, a page, or to an end', () => {
		expect(moveInList(0, 10, 4, 'up')).toBe(0);
		expect(moveInList(3, 10, 4, 'down')).toBe(4);
		expect(moveInList(9, 10, 4, 'down')).toBe(9);
		expect(moveInList(8, 10, 4, 'page-down')).toBe(9);
		expect(moveInList(2, 10, 4, 'page-up')).toBe(0);
		expect(moveInList(5, 10, 4, 'first')).toBe(0);
		expect(moveInList(5, 10, 4, 'last')).toBe(9);
		expect(moveInList(0, 0, 4, 'last')).toBe(0);
		expect(moveInList(5, 10, 4, 'next')).toBeUndefined();
		expect(moveInList(5, 10, 4, undefined)).toBeUndefined();
	});
});
