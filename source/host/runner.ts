// The one place kvmnet starts processes. Every command is an argv array (never a shell string), every run is
// recorded, and a missing tool or a timeout comes back as data with a message a person can act on.
import {access} from 'node:fs/promises';
import {join} from 'node:path';
import {execa} from 'execa';

/**
 * Whether a program can be run: an absolute path that exists, or a name found in one of PATH's directories.
 * Checked before spawning where a missing tool is common, since even a spawn that fails costs a fork (~8 ms).
 */
export async function onPath(program: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
	if (program.includes('/')) return access(program).then(() => true, () => false);
	for (const dir of (env['PATH'] ?? '').split(':').filter(Boolean)) {
		if (await access(join(dir, program)).then(() => true, () => false)) return true;
	}
	return false;
}

export interface RunOptions {
	/** Written to the command's stdin. */
	input?: string;
	timeoutMs?: number;
	env?: Record<string, string>;
	/** Called with each line of output as it arrives (for the live apply log). */
	onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface RunResult {
	argv: string[];
	/** The exit code; undefined when the process could not start or was killed. */
	exitCode: number | undefined;
	stdout: string;
	stderr: string;
	ok: boolean;
	/** The program is not installed (ENOENT on spawn). */
	missing: boolean;
	timedOut: boolean;
	milliseconds: number;
}

/** Which Debian/Ubuntu package brings a tool, for "not found" messages. */
const packageOf: Record<string, string> = {
	ip: 'iproute2',
	bridge: 'iproute2',
	virsh: 'libvirt-clients',
	'ovs-vsctl': 'openvswitch-switch',
	'virt-xml-validate': 'libvirt-clients',
	nmcli: 'network-manager',
};

export const defaultTimeoutMs = 30_000;

export class Runner {
	/** Every argv this runner was asked to run, in order. */
	readonly history: string[][] = [];

	async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
		const [file, ...args] = argv;
		if (file === undefined) throw new Error('Runner.run needs a program name');
		this.history.push(argv);
		const started = performance.now();
		const child = execa(file, args, {
			reject: false,
			input: options.input,
			timeout: options.timeoutMs ?? defaultTimeoutMs,
			// Tools answer in a fixed language so the parsers can rely on their words.
			env: {LC_ALL: 'C', ...options.env},
			stripFinalNewline: false,
		});
		if (options.onLine) {
			const onLine = options.onLine;
			for (const stream of ['stdout', 'stderr'] as const) {
				let pending = '';
				child[stream]?.on('data', (chunk: Buffer) => {
					const lines = (pending + chunk.toString()).split('\n');
					pending = lines.pop() ?? '';
					for (const line of lines) onLine(stream, line);
				});
				child[stream]?.on('end', () => {
					if (pending !== '') onLine(stream, pending);
				});
			}
		}
		const result = await child;
		const missing = (result as {code?: string}).code === 'ENOENT';
		return {
			argv,
			exitCode: result.exitCode,
			stdout: String(result.stdout ?? ''),
			stderr: String(result.stderr ?? ''),
			ok: !result.failed && result.exitCode === 0,
			missing,
			timedOut: Boolean(result.timedOut),
			milliseconds: performance.now() - started,
		};
	}
}

/** One line saying why a command failed, naming the package to install when the tool is missing. */
export function describeFailure(result: RunResult): string {
	const tool = result.argv[0] ?? '';
	if (result.missing) {
		const pkg = packageOf[tool];
		return `${tool} not found${pkg ? `: install the ${pkg} package` : ''}`;
	}
	if (result.timedOut) return `${tool} did not answer in time and was stopped`;
	const lastLines = result.stderr
		.trim()
		.split('\n')
		.filter((line) => line.trim() !== '')
		.slice(-2)
		.join(' ');
	return `${tool} failed (exit ${result.exitCode ?? 'signal'})${lastLines ? `: ${lastLines}` : ''}`;
}

/**
 * A long-running program fed commands over stdin, answered in turns: `ask` writes text and resolves with everything
 * the program printed until `until` appears. For virsh, whose process costs more than the questions asked of it.
 */
export interface Session {
	/** `progress`, when given, gets each new piece of the answer as it arrives, in order: together they are the answer. */
	ask(text: string, until: string, progress?: (piece: string) => void): Promise<string>;
	/** Everything written to stderr so far. */
	errors(): string;
	close(): Promise<RunResult>;
}

/**
 * Collects one answer from the pieces a program's output arrives in, up to and including a marker. Only new text
 * is searched (the marker may begin in one piece and end in the next) and nothing is joined until the marker is
 * in: a scan's answer is hundreds of KB in dozens of pieces, and searching the whole of it on each piece was
 * quadratic (each search also copied it whole).
 */
export class AnswerReader {
	private readonly pieces: string[] = [];
	private tail = '';

	constructor(private readonly until: string) {}

	/** `piece` is the part of `chunk` that belongs to the answer; once the marker is in, the answer and what followed. */
	read(chunk: string): {piece: string; done?: {answer: string; rest: string}} {
		const window = this.tail + chunk;
		const at = window.indexOf(this.until);
		if (at < 0) {
			this.pieces.push(chunk);
			this.tail = window.slice(Math.max(0, window.length - this.until.length + 1));
			return {piece: chunk};
		}
		const end = at + this.until.length - this.tail.length;
		const piece = chunk.slice(0, end);
		this.pieces.push(piece);
		return {piece, done: {answer: this.pieces.join(''), rest: chunk.slice(end)}};
	}
}

export function openSession(runner: Runner, argv: string[], options: Omit<RunOptions, 'input' | 'onLine'> = {}): Session {
	const [file, ...args] = argv;
	runner.history.push(argv);
	const started = performance.now();
	const child = execa(file!, args, {reject: false, stdin: 'pipe', timeout: options.timeoutMs ?? defaultTimeoutMs, env: {LC_ALL: 'C', ...options.env}, buffer: false});
	let stderr = '';
	// What was printed while no question was waiting (none, for virsh): the start of the next answer.
	let unclaimed = '';
	let waiter: {reader: AnswerReader; progress: ((piece: string) => void) | undefined; resolve: (text: string) => void; reject: (error: Error) => void} | undefined;
	const receive = (chunk: string) => {
		if (!waiter) {
			unclaimed += chunk;
			return;
		}
		const {piece, done} = waiter.reader.read(chunk);
		const {progress, resolve} = waiter;
		if (done) {
			waiter = undefined;
			unclaimed = done.rest;
		}
		progress?.(piece);
		if (done) resolve(done.answer);
	};
	child.stdout?.setEncoding('utf8').on('data', receive);
	child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	// Spawning can fail (not installed) or the program can end early: every pending question then fails.
	const finished = child.then((result) => {
		waiter?.reject(new Error(stderr.trim() || `${file} ended before answering`));
		waiter = undefined;
		return result;
	});
	return {
		ask(text, until, progress) {
			return new Promise((resolve, reject) => {
				waiter = {reader: new AnswerReader(until), progress, resolve, reject};
				child.stdin?.write(text, (error) => {
					if (error) reject(error);
				});
				const early = unclaimed;
				unclaimed = '';
				if (early !== '') receive(early);
			});
		},
		errors: () => stderr,
		async close() {
			child.stdin?.end();
			const result = await finished;
			const missing = (result as {code?: string}).code === 'ENOENT';
			return {argv, exitCode: result.exitCode, stdout: unclaimed, stderr, ok: !result.failed && result.exitCode === 0, missing, timedOut: Boolean(result.timedOut), milliseconds: performance.now() - started};
		},
	};
}
