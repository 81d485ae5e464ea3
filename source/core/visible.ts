// Text from the host (link, bridge, process and libvirt names, descriptions, errors, XML) made safe to print on a
// terminal: a name such as `ESC]0;title BEL` or `ESC[2J` would otherwise retitle the terminal or clear the screen.
// Applied where text is shown (the TUI's Text, the tables and details, the text reports), never to the model:
// plans and checks need the exact names, and `--json` keeps them exact (JSON escapes them itself).

/**
 * The notation, one scheme everywhere:
 * - ESC (U+001B) as `\e`, the way bash's `$'…'` and `echo -e` write it;
 * - every other C0 control (U+0000-U+001F) in caret notation, as `cat -v` and `ip link` show it: BEL `^G`, TAB
 *   `^I`, LF `^J`, CR `^M`, U+0000 `^@`;
 * - DEL (U+007F) as `^?`;
 * - the C1 controls (U+0080-U+009F), which some terminals act on like ESC + a letter (U+009B is CSI), as `\x9b`.
 * It is for the eye, not a reversible encoding (a name may itself contain `^G` or `\e`): the exact text is in
 * `--json`. With `multiline`, newlines stay (XML, a log), every other control is shown as above.
 */
export function visible(text: string, options: {multiline?: boolean} = {}): string {
	// Most text has no control characters: one test, no copy.
	if (!controls.test(text)) return text;
	return text.replace(controlsAll, (c) => {
		const code = c.charCodeAt(0);
		if (code === 0x0a && options.multiline) return c;
		if (code === 0x1b) return '\\e';
		if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
		if (code === 0x7f) return '^?';
		return `\\x${code.toString(16)}`;
	});
}

const controls = /[\u0000-\u001f\u007f-\u009f]/;
const controlsAll = /[\u0000-\u001f\u007f-\u009f]/g;

/** Whether the text holds a character that `visible` would rewrite (for tests and checks). */
export function hasControls(text: string): boolean {
	return controls.test(text);
}
