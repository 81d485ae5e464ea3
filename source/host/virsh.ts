// virsh costs ~20 ms per process, so kvmnet never runs one process per object: it chains many commands into one
// virsh invocation ("cmd1; cmd2; …") and splits the answers apart with echo markers.
import {randomBytes} from 'node:crypto';
import {describeFailure, type RunResult, type Runner} from './runner.js';

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

// One virsh argument must stay under the kernel's per-argument limit (128 KiB); keep well below it.
const maxScriptBytes = 96 * 1024;

export interface BatchAnswer {
	/** Each command's stdout, in order; undefined when virsh stopped before reaching it. */
	outputs: (string | undefined)[];
	/** All stderr lines of the run (virsh prints "error: …" there and carries on with the next command). */
	errors: string[];
	/** The failed run when virsh could not run at all (not installed, cannot connect). */
	failure?: {result: RunResult; message: string};
}

/**
 * Run many virsh commands (each an argv of virsh words) against one URI in as few processes as the
 * argument limit allows: normally one.
 */
export async function virshBatch(runner: Runner, uri: string, commands: string[][]): Promise<BatchAnswer> {
	const answer: BatchAnswer = {outputs: [], errors: []};
	const nonce = randomBytes(6).toString('hex');
	const marker = (i: number) => `@@kvmnet-${nonce}-${i}@@`;
	let start = 0;
	while (start < commands.length) {
		let script = '';
		let end = start;
		while (end < commands.length) {
			const line = `echo ${marker(end)}; ${commands[end]!.map(virshQuote).join(' ')}; `;
			if (script !== '' && script.length + line.length > maxScriptBytes) break;
			script += line;
			end++;
		}
		script += `echo ${marker(end)}`;
		const result = await runner.run(['virsh', '-q', '-c', uri, script]);
		answer.errors.push(...result.stderr.split('\n').filter((line) => line.trim() !== ''));
		if (result.missing || (!result.stdout.includes(marker(start)) && !result.ok)) {
			answer.failure = {result, message: describeFailure(result)};
			return answer;
		}
		const pieces = result.stdout.split(new RegExp(`@@kvmnet-${nonce}-(\\d+)@@`));
		// split() with a capture group yields [before, index, text, index, text, …].
		const byIndex = new Map<number, string>();
		for (let i = 1; i + 1 < pieces.length; i += 2) byIndex.set(Number(pieces[i]), pieces[i + 1]!);
		for (let i = start; i < end; i++) {
			// A command's output ends where the next marker begins; a missing next marker means virsh died there.
			answer.outputs[i] = byIndex.has(i + 1) ? byIndex.get(i) : undefined;
		}
		start = end;
	}
	return answer;
}
