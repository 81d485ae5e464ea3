// Turns raw terminal input into single keys, in order. A burst such as "\x1b[B\x1b[B\r" (SSH and tmux deliver
// keys so) becomes down, down, return; text runs become one key per character.

export type KeyName =
	| 'up'
	| 'down'
	| 'left'
	| 'right'
	| 'pageup'
	| 'pagedown'
	| 'home'
	| 'end'
	| 'return'
	| 'escape'
	| 'tab'
	| 'backtab'
	| 'backspace'
	| 'delete'
	| 'char';

export interface Key {
	name: KeyName;
	/** The character, for name 'char' (a printable character, or the letter of a Ctrl combination). */
	char?: string;
	ctrl?: boolean;
}

const csiNames: Record<string, KeyName> = {
	A: 'up',
	B: 'down',
	C: 'right',
	D: 'left',
	H: 'home',
	F: 'end',
	Z: 'backtab',
	'1~': 'home',
	'7~': 'home',
	'4~': 'end',
	'8~': 'end',
	'3~': 'delete',
	'5~': 'pageup',
	'6~': 'pagedown',
};

// CSI: ESC [ parameters (0x30–0x3f) intermediates (0x20–0x2f) final (0x40–0x7e); SS3: ESC O final.
const escapeSequence = /^\x1b(?:\[([\d;]*)([\x20-\x2f]*)([\x40-\x7e])|O([\x40-\x7e]))/;

export function parseKeys(input: string): Key[] {
	const keys: Key[] = [];
	let i = 0;
	while (i < input.length) {
		const rest = input.slice(i);
		if (rest.startsWith('\x1b')) {
			const match = escapeSequence.exec(rest);
			if (match) {
				const [whole, params = '', , final, ss3] = match;
				if (ss3 !== undefined) {
					const name = csiNames[ss3];
					if (name) keys.push({name});
				} else {
					// "1;5A" is Ctrl+Up; a "~" sequence is looked up with its first parameter.
					const [first = '', modifier] = params.split(';');
					const name = final === '~' ? csiNames[`${first}~`] : csiNames[final!];
					if (name) keys.push(modifier === '5' ? {name, ctrl: true} : {name});
				}
				i += whole.length;
				continue;
			}
			// ESC alone (or ESC before a character Alt+key sends): escape, and the character follows on its own.
			keys.push({name: 'escape'});
			i += 1;
			continue;
		}
		const code = rest.codePointAt(0)!;
		const char = String.fromCodePoint(code);
		i += char.length;
		if (char === '\r' || char === '\n') keys.push({name: 'return'});
		else if (char === '\t') keys.push({name: 'tab'});
		else if (char === '\x7f' || char === '\b') keys.push({name: 'backspace'});
		else if (code < 32) keys.push({name: 'char', char: String.fromCharCode(code + 96), ctrl: true});
		else keys.push({name: 'char', char});
	}
	return keys;
}
