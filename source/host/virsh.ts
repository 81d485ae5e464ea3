// virsh costs ~20 ms per process (~80 ms with a large test-driver file, which each process parses again), so a
// scan runs one virsh process for everything: commands go in over stdin in turns (list names, then dump every
// object), and echo markers between commands split the answers apart.
import {randomBytes} from 'node:crypto';
import {describeFailure, describeTimeout, openSession, type RunResult, type Runner, type Session} from './runner.js';
import {defaultLibvirtUri} from '../core/model.js';

export {defaultLibvirtUri};

/** The libvirt URI to use: --connect, else LIBVIRT_DEFAULT_URI, else qemu:///system. */
export function resolveLibvirtUri(connect: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
	return connect ?? env['LIBVIRT_DEFAULT_URI'] ?? defaultLibvirtUri;
}

/** Quote one argument for virsh's own command-line parser (it splits on spaces and ';'). */
export function virshQuote(word: string): string {
	if (/^[\w.:/@+-]+$/.test(word)) return word;
	return `"${word.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface BatchAnswer {
	/** Each command's stdout, in order; undefined when virsh stopped before reaching it. */
	outputs: (string | undefined)[];
	/** The failed run when virsh could not run at all (not installed, cannot connect). */
	failure?: {result: RunResult; message: string};
}

export interface VirshBatch {
	/** What to write to virsh's stdin. */
	input: string;
	/** What virsh prints last, once every command has answered. */
	until: string;
	/** Feed each piece of virsh's answer, in order, as it arrives. */
	take(piece: string): void;
	/** Each command's output so far. */
	outputs: (string | undefined)[];
}

/**
 * Commands for one virsh process (each an argv of virsh words), with echo markers between them, and the splitter
 * of its answer. In this mode virsh echoes each command after a "virsh # " prompt; the marker between commands is
 * what splits the answers reliably. `onAnswer` gets each output as soon as it is complete, while virsh still
 * works on the next ones, so the caller can parse them meanwhile instead of after the whole turn.
 */
export function virshBatch(
	commands: string[][],
	tag: string,
	onAnswer?: (index: number, output: string) => void,
): VirshBatch {
	const marker = (i: number) => `${tag}${i}@@`;
	// A newline would end the command early: such a name cannot be asked for (its answer stays undefined).
	const lines = commands.map(
		(argv, i) => `echo ${marker(i)}\n${argv.some((w) => w.includes('\n')) ? 'echo' : argv.map(virshQuote).join(' ')}\n`,
	);
	const end = marker(commands.length);
	// A command's output runs from the marker before it to the marker after it, and starts with the prompt line of
	// the command itself, which is dropped. The marker appears twice: in the echoed prompt line, then as echo's output.
	const header = new RegExp(`virsh # echo ${tag}(\\d+)@@\\n${tag}\\d+@@`, 'g');
	const outputs: (string | undefined)[] = [];
	// Text not yet split off: from the start of the current command's section (after its marker) onward.
	let pending = '';
	let current: number | undefined;
	const take = (piece: string) => {
		pending += piece;
		header.lastIndex = 0;
		let from = 0;
		for (let match = header.exec(pending); match; match = header.exec(pending)) {
			if (current !== undefined && current < commands.length) {
				const section = pending.slice(from, match.index);
				const newline = section.indexOf('\n');
				const output = newline < 0 ? '' : section.slice(newline + 1);
				outputs[current] = output;
				onAnswer?.(current, output);
			}
			current = Number(match[1]);
			from = header.lastIndex;
		}
		// Only the unfinished section is kept: each search covers one answer and the newest piece, not the whole turn.
		if (current !== undefined) pending = pending.slice(from);
	};
	return {input: `${lines.join('')}echo ${end}\n`, until: `virsh # echo ${end}\n${end}`, take, outputs};
}

/** One virsh process for a whole scan, asked in turns. */
export class VirshSession {
	private readonly nonce = randomBytes(6).toString('hex');
	private turn = 0;
	private failure?: BatchAnswer['failure'];

	private constructor(
		private readonly session: Session,
		private readonly uri: string,
	) {}

	/** The whole session (both turns) gets the scan limit, KVMNET_TIMEOUT: a hung libvirtd never answers at all. */
	static open(runner: Runner, uri: string): VirshSession {
		return new VirshSession(openSession(runner, ['virsh', '-q', '-c', uri]), uri);
	}

	/** Run the commands (each an argv of virsh words) and return each one's output (see virshBatch). */
	async run(commands: string[][], onAnswer?: (index: number, output: string) => void): Promise<BatchAnswer> {
		if (this.failure) return {outputs: [], failure: this.failure};
		const batch = virshBatch(commands, `@@kvmnet-${this.nonce}-${this.turn++}-`, onAnswer);
		try {
			await this.session.ask(batch.input, batch.until, batch.take);
		} catch {
			const result = await this.session.close();
			const message = result.timedOut
				? `${describeTimeout(result)}: libvirt at ${this.uri} may be hung`
				: describeFailure(result);
			this.failure = {result, message};
			return {outputs: batch.outputs, failure: this.failure};
		}
		return {outputs: batch.outputs};
	}

	errors(): string[] {
		return this.session
			.errors()
			.split('\n')
			.filter((line) => line.trim() !== '');
	}

	close(): Promise<RunResult> {
		return this.session.close();
	}
}
