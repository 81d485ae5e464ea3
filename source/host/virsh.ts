// virsh costs ~20 ms per process (~80 ms with a large test-driver file, which each process parses again), so a
// scan runs one virsh process for everything: commands go in over stdin in turns (list names, then dump every
// object), and echo markers between commands split the answers apart.
import {randomBytes} from 'node:crypto';
import {describeFailure, openSession, type RunResult, type Runner, type Session} from './runner.js';

export const defaultLibvirtUri = 'qemu:///system';

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

/** One virsh process for a whole scan, asked in turns. */
export class VirshSession {
	private readonly nonce = randomBytes(6).toString('hex');
	private turn = 0;
	private failure?: BatchAnswer['failure'];

	private constructor(private readonly session: Session) {}

	static open(runner: Runner, uri: string): VirshSession {
		return new VirshSession(openSession(runner, ['virsh', '-q', '-c', uri], {timeoutMs: 120_000}));
	}

	/**
	 * Run the commands (each an argv of virsh words) and return each one's output. In this mode virsh echoes each
	 * command after a "virsh # " prompt; the marker between commands is what splits the answers reliably.
	 * `onAnswer` gets each output as soon as it is complete, while virsh still works on the next ones, so the
	 * caller can parse them meanwhile instead of after the whole turn.
	 */
	async run(commands: string[][], onAnswer?: (index: number, output: string) => void): Promise<BatchAnswer> {
		if (this.failure) return {outputs: [], failure: this.failure};
		const tag = `@@kvmnet-${this.nonce}-${this.turn++}-`;
		const marker = (i: number) => `${tag}${i}@@`;
		// A newline would end the command early: such a name cannot be asked for (its answer stays undefined).
		const lines = commands.map((argv, i) => `echo ${marker(i)}\n${argv.some((w) => w.includes('\n')) ? 'echo' : argv.map(virshQuote).join(' ')}\n`);
		const end = marker(commands.length);
		// A command's output runs from the marker before it to the marker after it, and starts with the prompt
		// line of the command itself, which is dropped. The marker appears twice: in the echoed prompt line,
		// then as echo's output.
		const header = new RegExp(`virsh # echo ${tag}(\\d+)@@\\n${tag}\\d+@@`, 'g');
		const outputs: (string | undefined)[] = [];
		let current: {index: number; from: number} | undefined;
		const take = (received: string) => {
			header.lastIndex = current?.from ?? 0;
			for (let match = header.exec(received); match; match = header.exec(received)) {
				if (current && current.index < commands.length) {
					const section = received.slice(current.from, match.index);
					const newline = section.indexOf('\n');
					const output = newline < 0 ? '' : section.slice(newline + 1);
					outputs[current.index] = output;
					onAnswer?.(current.index, output);
				}
				current = {index: Number(match[1]), from: header.lastIndex};
			}
		};
		try {
			await this.session.ask(`${lines.join('')}echo ${end}\n`, `virsh # echo ${end}\n${end}`, take);
		} catch {
			const result = await this.session.close();
			this.failure = {result, message: describeFailure(result)};
			return {outputs, failure: this.failure};
		}
		return {outputs};
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
