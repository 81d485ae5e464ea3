import {describe, expect, it} from 'vitest';
import {parseKeys} from '../source/ui/keys.js';

describe('parseKeys', () => {
	it('splits a burst of arrows and return into single keys, in order', () => {
		expect(parseKeys('\x1b[B\x1b[B\r')).toEqual([{name: 'down'}, {name: 'down'}, {name: 'return'}]);
	});

	it('splits text runs into characters and keeps control keys apart', () => {
		expect(parseKeys('jj\tk\x7f')).toEqual([
			{name: 'char', char: 'j'},
			{name: 'char', char: 'j'},
			{name: 'tab'},
			{name: 'char', char: 'k'},
			{name: 'backspace'},
		]);
	});

	it('reads cursor keys in both CSI and SS3 form, paging and editing keys, Shift-Tab and Ctrl', () => {
		expect(parseKeys('\x1bOA\x1b[5~\x1b[6~\x1b[H\x1b[4~\x1b[3~\x1b[Z\x1b[1;5C\x03')).toEqual([
			{name: 'up'},
			{name: 'pageup'},
			{name: 'pagedown'},
			{name: 'home'},
			{name: 'end'},
			{name: 'delete'},
			{name: 'backtab'},
			{name: 'right', ctrl: true},
			{name: 'char', char: 'c', ctrl: true},
		]);
	});

	it('treats a lone ESC as escape and keeps the next character, and skips unknown sequences', () => {
		expect(parseKeys('\x1bq')).toEqual([{name: 'escape'}, {name: 'char', char: 'q'}]);
		expect(parseKeys('\x1b[200~x')).toEqual([{name: 'char', char: 'x'}]);
		expect(parseKeys('é€😀')).toEqual([
			{name: 'char', char: 'é'},
			{name: 'char', char: '€'},
			{name: 'char', char: '😀'},
		]);
	});
});
