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
	 */
	async run(commands: string[][]): Promise<BatchAnswer> {
		if (this.failure) return {outputs: [], failure: this.failure};
		const tag = `@@kvmnet-${this.nonce}-${this.turn++}-`;
		const marker = (i: number) => `${tag}${i}@@`;
		// A newline would end the command early: such a name cannot be asked for (its answer stays undefined).
		const lines = commands.map((argv, i) => `echo ${marker(i)}\n${argv.some((w) => w.includes('\n')) ? 'echo' : argv.map(virshQuote).join(' ')}\n`);
		const end = marker(commands.length);
		let text: string;
		try {
			// The marker appears twice: in the echoed prompt line, then as echo's output. Wait for both.
			text = await this.session.ask(`${lines.join('')}echo ${end}\n`, `virsh # echo ${end}\n${end}`);
		} catch {
			const result = await this.session.close();
			this.failure = {result, message: describeFailure(result)};
			return {outputs: [], failure: this.failure};
		}
		const pieces = text.split(new RegExp(`virsh # echo ${tag}(\\d+)@@\\n${tag}\\d+@@`));
		// split() with a capture group yields [before, index, text, index, text, …]; each text starts with the
		// prompt line of its own command, which is dropped.
		const outputs: (string | undefined)[] = [];
		for (let i = 1; i + 1 < pieces.length; i += 2) {
			const index = Number(pieces[i]);
			if (index >= commands.length) continue;
			const section = pieces[i + 1]!;
			const newline = section.indexOf('\n');
			outputs[index] = newline < 0 ? '' : section.slice(newline + 1);
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
