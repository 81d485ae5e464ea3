// What the command-line commands print, in one place: anything here can hold what the host, a file or kvmnet on
// another machine had (names with ESC or BEL), so it is shown, never sent to the terminal as it is.
import {createInterface} from 'node:readline';
import {describeJournal, stepsToUndo, type Journal, type LogLine} from './core/journal.js';
import {commandLine} from './core/script.js';
import {visible} from './core/visible.js';

export const out = (text: string) => void process.stdout.write(text);
export const fail = (text: string) => void process.stderr.write(`kvmnet: ${visible(text)}\n`);

/** One line of an apply's or undo's log, with its time and step. */
export function showLine(line: LogLine): void {
	const prefix = line.step >= 0 ? `[${line.step + 1}] ` : '';
	const text = line.stream === 'stderr' || line.stream === 'error' ? `${line.stream}: ${line.text}` : line.text;
	// kvmnet's own lines may hold several (the list of what is left): each is shown as a line, any other control
	// character (a tool's CR, an escape) made visible.
	for (const part of text.replace(/\r$/, '').split('\n')) out(`${line.time.slice(11, 23)} ${prefix}${visible(part)}\n`);
}

/** A y/N question on the terminal; Ctrl-C or end of input is a no. */
export function ask(question: string, signal?: AbortSignal): Promise<boolean> {
	return new Promise((resolve) => {
		const rl = createInterface({input: process.stdin, output: process.stdout});
		let answered = false;
		// The first answer counts: closing the interface (which done does) also ends the question, as a no.
		const done = (answer: boolean) => {
			if (answered) return;
			answered = true;
			resolve(answer);
			rl.close();
		};
		rl.question(question, (answer) => done(/^y(es)?$/i.test(answer.trim())));
		rl.once('SIGINT', () => done(false));
		rl.once('close', () => done(false));
		signal?.addEventListener('abort', () => {
			out('\n');
			done(false);
		});
	});
}

/** What an undo of the journal goes through, step by step, before it is asked for. */
export function undoListing(journal: Journal, where = ''): string {
	const lines = [`Undoing ${visible(describeJournal(journal))}${where}:`];
	for (const {index, step, certain} of stepsToUndo(journal))
		lines.push(
			`  ${index + 1}. ${visible(`${step.title}: ${step.undo ? commandLine(step.undo) : step.files.length > 0 ? 'put its files back' : 'nothing to undo'}`)}${certain ? '' : ' (it was under way: checked first, undone only if it took effect)'}`,
		);
	return `${lines.join('\n')}\n`;
}
