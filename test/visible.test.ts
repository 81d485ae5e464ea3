// What the host names may hold is shown, never sent: visible() rewrites every control character in one notation,
// and a plan's script quotes such a word so bash reads it back exactly while a terminal shows it as text.
import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {shellQuote} from '../source/core/script.js';
import {hasControls, visible} from '../source/core/visible.js';

// Every character a terminal may act on: C0, DEL and C1.
const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('visible', () => {
	it('shows ESC as \\e, other C0 in caret notation, DEL as ^?, C1 as \\xNN', () => {
		expect(visible('\x1b]0;title\x07')).toBe('\\e]0;title^G');
		expect(visible('x\x1b[2J')).toBe('x\\e[2J');
		expect(visible('\x00\x01\x08\t\n\r\x1f')).toBe('^@^A^H^I^J^M^_');
		expect(visible('a\x7fb')).toBe('a^?b');
		expect(visible('\x80\x9b1m\x9f')).toBe('\\x80\\x9b1m\\x9f');
	});

	it('leaves ordinary text alone (the same string, no copy), non-ASCII and quotes included', () => {
		for (const text of ['café', `it's "q"`, 'a b', 'back\\slash', '--network=default', '🙂 ü ÿ \u00a0', ''])
			expect(visible(text)).toBe(text);
	});

	it('keeps newlines only when asked (XML, a log), still showing the rest', () => {
		expect(visible('<a>\n  <b>\x1b</b>\n</a>', {multiline: true})).toBe('<a>\n  <b>\\e</b>\n</a>');
		expect(visible('a\nb')).toBe('a^Jb');
	});

	it('never leaves a control character, for every code point up to U+00FF', () => {
		const all = Array.from({length: 256}, (_, i) => String.fromCharCode(i)).join('');
		expect(raw.test(visible(all))).toBe(false);
		expect(hasControls(visible(all))).toBe(false);
		expect(visible(visible(all))).toBe(visible(all));
	});
});

describe('shellQuote', () => {
	it('quotes a word with control characters so that bash reads it back exactly and nothing raw is printed', () => {
		for (const word of ['x\x1b[2J', '\x1b]0;t\x07', `it's "q"\\\x01`, 'a\nb', 'b\x7f', 'plain', `it's`, 'café']) {
			const quoted = shellQuote(word);
			expect(raw.test(quoted)).toBe(false);
			expect(execFileSync('bash', ['-c', `printf %s ${quoted}`]).toString()).toBe(word);
		}
		expect(shellQuote('x\x1b[2J')).toBe("$'x\\E[2J'");
	});
});
