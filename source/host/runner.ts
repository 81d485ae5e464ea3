// The one place kvmnet starts processes. Every command is an argv array (never a shell string), every run is
// recorded, and a missing tool or a timeout comes back as data with a message a person can act on.
//
// Every command is bounded. Each one runs in a process group of its own (execa's `detached`, which is setsid(2) in
// Node), so a timeout kills the whole group: a tool's own children (a shell's `sleep`, ssh under virsh) would
// otherwise keep its pipes open after the tool itself died, and execa waits for the pipes to end. Streams still
// open a moment after the command exited (a helper in yet another session) are closed by kvmnet, not waited for.
// Being in their own groups, commands no longer get the terminal's Ctrl-C, so kvmnet kills the groups still
// running when it exits, on a signal too (signal-exit), and `stopAllCommands` does it when the app quits.
import {existsSync} from 'node:fs';
import {access, constants} from 'node:fs/promises';
import {join} from 'node:path';
import type {Readable} from 'node:stream';
import {execa, type Options, type ResultPromise} from 'execa';
import {onExit} from 'signal-exit';
import {batchedFiles, localFiles, noFiles, type HostFiles} from './files.js';
import {parseRouteGet} from '../core/parse-ip.js';
import {trace} from './trace.js';
import {localTransport, type Transport} from './transport.js';

/**
 * Whether a program can be run: an absolute path that exists, or a name found in one of PATH's directories.
 * Checked before spawning where a missing tool is common, since even a spawn that fails costs a fork (~8 ms).
 */
export async function onPath(program: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
	if (program.includes('/'))
		return access(program).then(
			() => true,
			() => false,
		);
	for (const dir of (env['PATH'] ?? '').split(':').filter(Boolean)) {
		if (
			await access(join(dir, program)).then(
				() => true,
				() => false,
			)
		)
			return true;
	}
	return false;
}

export interface RunOptions {
	/** Written to the command's stdin: a whole text, or a stream kept open (kvmnet's agent on a remote host reads its stop requests there). */
	input?: string | Readable;
	/** A fixed limit of its own (apply steps and their checks), whatever KVMNET_TIMEOUT says. */
	timeoutMs?: number;
	/** The scan limit (KVMNET_TIMEOUT), but never longer than this: quick probes such as ovs-vsctl. */
	atMostMs?: number;
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
	/** How long the command was allowed. */
	timeoutMs?: number;
	/** The limit came from the scan timeout (KVMNET_TIMEOUT or its default), which the user can raise. */
	scanLimit?: boolean;
	/** Not run: the host has no shell for kvmnet (libvirt over tls or tcp), or its ssh connection failed. */
	refused?: string;
	/** Run, but ssh itself failed (exit 255): the connection, not the command. */
	transportError?: string;
}

/** What the host's side of the session says of itself (remote hosts: read once, when the connection opens). */
export interface SessionFacts {
	/** The far side's SSH_CONNECTION: kvmnet's own connection, as the host sees it. */
	sshConnection?: string;
	hostname?: string;
	uid?: number;
	kernel?: string;
	/** The interface the route back to the SSH client leaves by (on the host). */
	routeDevice?: string;
}

const routeDeviceOf = (json: string) => {
	if (json.trim() === '') return undefined;
	try {
		return parseRouteGet(JSON.parse(json));
	} catch {
		return undefined;
	}
};

const readable = (path: string) =>
	access(path, constants.R_OK).then(
		() => true,
		() => false,
	);

/** Where a remote host's tools are looked for (its PATH is its login shell's business). */
const remotePath = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

// Run once, first, on a remote host: it opens the shared connection and says who and where we are there, and by
// which interface the connection arrives (the route back to its client, asked here rather than in a second command
// once the answer is in: that would cost two more round trips). The client address is SSH_CONNECTION's first word,
// given to ip as one argument (`set -f`: no globbing of it), never as code.
const sessionScript = [
	'printf "%s\\n" "$SSH_CONNECTION"; cat /proc/sys/kernel/hostname; id -u; cat /proc/sys/kernel/osrelease',
	'set -f; set -- $SSH_CONNECTION',
	'[ -n "$1" ] && ip -j route get "$1" 2>/dev/null',
	'exit 0',
].join('\n');

/** Which Debian/Ubuntu package brings a tool, for "not found" messages. */
const packageOf: Record<string, string> = {
	ip: 'iproute2',
	bridge: 'iproute2',
	virsh: 'libvirt-clients',
	'ovs-vsctl': 'openvswitch-switch',
	'virt-xml-validate': 'libvirt-clients',
	nmcli: 'network-manager',
	ssh: 'openssh-client',
};

/** How long a scan waits for any one tool when KVMNET_TIMEOUT is not set. */
export const defaultTimeoutMs = 30_000;
export const timeoutVariable = 'KVMNET_TIMEOUT';
const timeoutRule = 'a whole number of seconds from 1 to 3600';

/**
 * KVMNET_TIMEOUT in milliseconds: undefined when it is not set (or empty); an Error naming the variable and the
 * rule when it is set to anything else than a whole number of seconds from 1 to 3600.
 */
export function timeoutSetting(env: NodeJS.ProcessEnv = process.env): number | undefined | Error {
	const text = env[timeoutVariable];
	if (text === undefined || text === '') return undefined;
	const seconds = /^\d{1,4}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
	if (!(seconds >= 1 && seconds <= 3600))
		return new Error(
			`${timeoutVariable}: ${JSON.stringify(text.slice(0, 40))} is not ${timeoutRule} (how long kvmnet waits for virsh, ip and the other tools it runs)`,
		);
	return seconds * 1000;
}

/** After SIGTERM to a command's group, the time it has before SIGKILL. */
const killGraceMs = 1000;
/** After a command exits, how long its output streams may stay open (held by a helper) before kvmnet closes them. */
const drainMs = 1000;

// The process groups of the commands still running (each command leads its own), killed when kvmnet exits.
const liveGroups = new Set<number>();
let stopping = false;
let removeExitHook: (() => void) | undefined;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch {
		// The group is gone already.
	}
}

/**
 * Kill the live groups when kvmnet exits. signal-exit runs this on a normal exit, process.exit() and fatal signals
 * (then re-raises the signal), and cooperates with the handlers Ink installs. Loaded only while something runs, and
 * before a command is spawned: a signal arriving between the spawn and the hook would leave the command behind.
 */
function holdExitHook(): void {
	removeExitHook ??= onExit(() => {
		for (const group of liveGroups) killGroup(group, 'SIGKILL');
	});
}

function untrack(pgid?: number): void {
	if (pgid !== undefined) liveGroups.delete(pgid);
	if (liveGroups.size === 0 && removeExitHook) {
		removeExitHook();
		removeExitHook = undefined;
	}
}

/**
 * Kill every command still running (their whole process groups) and refuse to start new ones: for when kvmnet
 * quits with a scan under way. Their results come back at once as failures.
 */
export function stopAllCommands(): void {
	stopping = true;
	for (const group of liveGroups) killGroup(group, 'SIGKILL');
}

/** How many commands are running now (for tests). */
export const runningCommands = () => liveGroups.size;

interface Bounded {
	child: ResultPromise;
	/** Whether the command was stopped because its time ran out; read once `child` has settled. */
	timedOut: () => boolean;
}

/**
 * Start a command in its own process group and bound it: when `timeoutMs` passes, SIGTERM to the group, SIGKILL
 * a second later (for what ignores SIGTERM); once the command exits, its streams get a moment to end, then are
 * closed, so nothing it left behind can keep kvmnet waiting.
 */
function startBounded(file: string, args: string[], options: Options, timeoutMs: number): Bounded {
	holdExitHook();
	const child = execa(file, args, {
		...options,
		reject: false,
		detached: true,
		cleanup: false,
		forceKillAfterDelay: false,
	});
	let timedOut = false;
	const pgid = child.pid;
	if (pgid === undefined) {
		// Not started (not installed): nothing to kill.
		untrack();
		return {child, timedOut: () => false};
	}
	liveGroups.add(pgid);
	const timer = setTimeout(() => {
		timedOut = true;
		killGroup(pgid, 'SIGTERM');
		// The group stays tracked until this has run, or until kvmnet exits (which kills it too): not waited for.
		setTimeout(() => {
			killGroup(pgid, 'SIGKILL');
			untrack(pgid);
		}, killGraceMs).unref();
	}, timeoutMs);
	const settle = () => {
		clearTimeout(timer);
		if (!timedOut) untrack(pgid);
	};
	child.once('exit', () => {
		settle();
		const drain = setTimeout(() => {
			child.stdout?.destroy();
			child.stderr?.destroy();
		}, drainMs);
		void child.finally(() => clearTimeout(drain));
	});
	void child.finally(settle);
	return {child, timedOut: () => timedOut};
}

/** The result of a command that was not started because kvmnet is exiting. */
const notStarted = (argv: string[], why = 'kvmnet is exiting'): RunResult => ({
	argv,
	exitCode: undefined,
	stdout: '',
	stderr: `not run: ${why}\n`,
	ok: false,
	missing: false,
	timedOut: false,
	milliseconds: 0,
	...(why === 'kvmnet is exiting' ? {} : {refused: why}),
});

/** ssh's own failures (exit 255), in words a person can act on. */
export function describeSshFailure(stderr: string, where: string): string {
	const text = stderr.trim().split('\n').filter(Boolean).slice(-1)[0];
	// ssh exits 255 with nothing on stderr (LogLevel=ERROR) when its server side is killed: the connection went.
	if (text === undefined) return `${where}: the connection ended with no word from ssh (lost, or closed by the host)`;
	if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(stderr))
		return `${where}: the host key is not known (add it to known_hosts, or give known_hosts= in the URI): ${text}`;
	if (/Permission denied/i.test(stderr))
		return `${where}: authentication refused (kvmnet needs a key or an agent; it never asks for a password): ${text}`;
	if (/Connection refused|timed out|No route to host|Could not resolve|Network is unreachable/i.test(stderr))
		return `${where}: cannot connect: ${text}`;
	if (/Broken pipe|closed by remote host|Connection reset|Control socket connect/i.test(stderr))
		return `${where}: the connection was lost: ${text}`;
	return `${where}: ${text}`;
}

export class Runner {
	/** Every argv this runner was asked to run, in order. */
	readonly history: string[][] = [];
	/** How long a scan waits for any one tool: KVMNET_TIMEOUT, else 30 s (main() refuses a bad KVMNET_TIMEOUT). */
	readonly scanTimeoutMs: number;

	/** Where the host's commands run (this machine by default). */
	readonly transport: Transport;
	/** The host's files, read through the same transport. */
	readonly files: HostFiles;
	private connecting?: Promise<SessionFacts | {error: string}>;
	private connected?: Promise<{error?: string}>;

	constructor(options: {scanTimeoutMs?: number; env?: NodeJS.ProcessEnv; transport?: Transport} = {}) {
		const setting = timeoutSetting(options.env ?? process.env);
		this.scanTimeoutMs = options.scanTimeoutMs ?? (typeof setting === 'number' ? setting : defaultTimeoutMs);
		this.transport = options.transport ?? localTransport;
		const kind = this.transport.connection.kind;
		this.files =
			kind === 'local'
				? localFiles
				: kind === 'no-shell'
					? noFiles
					: batchedFiles((argv, input) => this.run(argv, {input}));
	}

	get remote(): boolean {
		return this.transport.connection.kind !== 'local';
	}

	/**
	 * The host's side of the session. For a remote host, the first call opens the shared connection (every command
	 * waits for it, so only one connection is made); an error says why it could not be opened.
	 */
	session(): Promise<SessionFacts | {error: string}> {
		if (this.transport.connection.kind !== 'ssh') return Promise.resolve({});
		const {keyfile} = this.transport.connection.ssh;
		const where = this.transport.where;
		this.connecting ??= (async () => {
			// ssh would only say "permission denied" for a key file that is not there.
			if (keyfile !== undefined && !(await readable(keyfile)))
				return {error: `${where}: keyfile=${keyfile} does not exist (or cannot be read) on this machine`};
			return this.openSession();
		})();
		return this.connecting;
	}

	private openSession(): Promise<SessionFacts | {error: string}> {
		return this.launch(['sh', '-c', sessionScript], {}).then((result) => {
			if (!result.ok)
				return {
					error: result.missing
						? `${this.transport.where}: ${describeFailure({...result, argv: ['ssh']})}`
						: result.exitCode === 255 || (result.exitCode === undefined && !result.timedOut)
							? describeSshFailure(result.stderr, this.transport.where)
							: `${this.transport.where}: ${describeFailure(result)}`,
				};
			const [sshConnection = '', hostname = '', uid = '', kernel = '', ...route] = result.stdout.split('\n');
			const facts: SessionFacts = {};
			const routeDevice = routeDeviceOf(route.join('\n'));
			if (routeDevice) facts.routeDevice = routeDevice;
			if (sshConnection.trim()) facts.sshConnection = sshConnection.trim();
			if (hostname.trim()) facts.hostname = hostname.trim();
			if (/^\d+$/.test(uid.trim())) facts.uid = Number(uid.trim());
			if (kernel.trim()) facts.kernel = kernel.trim();
			return facts;
		});
	}

	/** Forget the session's facts: the next command opens (or checks) the connection again and reads them anew. */
	resetSession(): void {
		this.connecting = undefined;
		this.connected = undefined;
	}

	/** For sessions (virsh): the same wait as a command's. */
	sessionReady(): Promise<{error?: string}> {
		return this.connection();
	}

	/**
	 * Resolves once commands can share the connection: the master's socket is there (the connection is up and
	 * authenticated), or the first command ended (with the error, if it failed). Commands wait for this, not for
	 * the first command's answer, so the scan's commands start a round trip or two sooner.
	 */
	private connection(): Promise<{error?: string}> {
		this.connected ??= new Promise((resolve) => {
			let settled = false;
			void this.session().then((facts) => {
				settled = true;
				resolve('error' in facts ? {error: facts.error} : {});
			});
			const look = () => {
				if (settled) return;
				const socket = this.transport.controlSocket?.();
				if (socket && existsSync(socket)) {
					settled = true;
					resolve({});
				} else setTimeout(look, 5);
			};
			look();
		});
		return this.connected;
	}

	/**
	 * Whether the host has the program: this machine's PATH; on a remote host, the usual directories there (one
	 * batch of file checks, asked together with the scan's other reads).
	 */
	async hasProgram(program: string, env?: NodeJS.ProcessEnv): Promise<boolean> {
		const kind = this.transport.connection.kind;
		if (kind === 'local') return onPath(program, env);
		if (kind === 'no-shell' || program.includes('/')) return false;
		const found = await Promise.all(remotePath.map((dir) => this.files.exists(`${dir}/${program}`)));
		return found.includes(true);
	}

	/**
	 * A command a scan runs only if the answers it is waiting for say so (the tool is installed, its daemon is up).
	 * Here it starts when asked for, so a tool that is not there costs no process. On a remote host it is sent now,
	 * with those questions: a round trip costs more there than a process, and a missing tool answers for itself
	 * (exit 127, `missing`).
	 */
	ahead(argv: string[], options: RunOptions = {}): () => Promise<RunResult> {
		if (this.transport.connection.kind !== 'ssh') return () => this.run(argv, options);
		const sent = this.run(argv, options);
		return () => sent;
	}

	/** The limit for one command, and whether it is the scan limit the user can change. */
	limitFor(options: Pick<RunOptions, 'timeoutMs' | 'atMostMs'>): {timeoutMs: number; scanLimit: boolean} {
		if (options.timeoutMs !== undefined) return {timeoutMs: options.timeoutMs, scanLimit: false};
		if (options.atMostMs !== undefined && options.atMostMs < this.scanTimeoutMs)
			return {timeoutMs: options.atMostMs, scanLimit: false};
		return {timeoutMs: this.scanTimeoutMs, scanLimit: true};
	}

	async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
		if (argv[0] === undefined) throw new Error('Runner.run needs a program name');
		this.history.push(argv);
		if (this.transport.connection.kind === 'ssh') {
			const connected = await this.connection();
			if (connected.error) return notStarted(argv, connected.error);
		}
		return this.launch(argv, options);
	}

	/** Spawn `argv` on the host (through the transport) and bound it. */
	private async launch(argv: string[], options: RunOptions): Promise<RunResult> {
		if (stopping) return notStarted(argv);
		// Tools answer in a fixed language so the parsers can rely on their words.
		const routed = this.transport.route(argv, {LC_ALL: 'C', ...options.env});
		if ('refused' in routed) return notStarted(argv, routed.refused);
		const [file, ...args] = routed.argv;
		const started = performance.now();
		const limit = this.limitFor(options);
		const {child, timedOut} = startBounded(
			file!,
			args,
			{
				input: options.input,
				...(routed.env ? {env: routed.env} : {}),
				stripFinalNewline: false,
			},
			limit.timeoutMs,
		);
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
		trace('command', {
			argv: argv.slice(0, 2),
			started: Math.round(started),
			ms: Math.round(performance.now() - started),
		});
		const missing = (result as {code?: string}).code === 'ENOENT' || this.missingThere(result);
		const sshFailed = this.transport.connection.kind === 'ssh' && result.exitCode === 255;
		return {
			...(sshFailed ? {transportError: describeSshFailure(String(result.stderr ?? ''), this.transport.where)} : {}),
			argv,
			exitCode: result.exitCode,
			stdout: String(result.stdout ?? ''),
			stderr: String(result.stderr ?? ''),
			ok: !result.failed && result.exitCode === 0 && !timedOut(),
			missing,
			timedOut: timedOut(),
			milliseconds: performance.now() - started,
			...limit,
		};
	}

	/** A remote program that is not installed: env(1) there says so and exits 127. */
	missingThere(result: {exitCode?: number; stderr?: unknown}): boolean {
		return (
			this.transport.connection.kind === 'ssh' &&
			result.exitCode === 127 &&
			/^env: .*No such file or directory/m.test(String(result.stderr ?? ''))
		);
	}
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10}`;

/** "virsh did not answer within 30 s (KVMNET_TIMEOUT)": which tool, how long it had, and what sets that. */
export function describeTimeout(result: RunResult): string {
	const limit = result.timeoutMs === undefined ? 'in time' : `within ${seconds(result.timeoutMs)} s`;
	return `${result.argv[0] ?? ''} did not answer ${limit}${result.scanLimit ? ` (${timeoutVariable})` : ''}`;
}

/** One line saying why a command failed, naming the package to install when the tool is missing. */
export function describeFailure(result: RunResult): string {
	const tool = result.argv[0] ?? '';
	if (result.refused) return result.refused;
	if (result.transportError) return result.transportError;
	if (result.missing) {
		const pkg = packageOf[tool];
		return `${tool} not found${pkg ? `: install the ${pkg} package` : ''}`;
	}
	if (result.timedOut) return `${describeTimeout(result)} and was stopped`;
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

/** A session that never started: every question fails with why. */
function failedSession(result: RunResult): Session {
	return {
		ask: () => Promise.reject(new Error(result.stderr.trim())),
		errors: () => result.stderr,
		close: async () => result,
	};
}

export function openSession(
	runner: Runner,
	argv: string[],
	options: Omit<RunOptions, 'input' | 'onLine'> = {},
): Session {
	runner.history.push(argv);
	if (runner.transport.connection.kind !== 'ssh') return startSession(runner, argv, options);
	// On a remote host the session waits for the shared connection, like every command.
	let session: Session | undefined;
	// Waiting on the connection itself (no promise in between), a session opened first starts first: virsh, the
	// scan's longest chain, is spawned before the commands asked after it.
	const ready = runner
		.sessionReady()
		.then(
			(connected) =>
				(session = connected.error
					? failedSession(notStarted(argv, connected.error))
					: startSession(runner, argv, options)),
		);
	return {
		ask: (text, until, progress) => ready.then((s) => s.ask(text, until, progress)),
		errors: () => session?.errors() ?? '',
		close: () => ready.then((s) => s.close()),
	};
}

function startSession(runner: Runner, argv: string[], options: Omit<RunOptions, 'input' | 'onLine'>): Session {
	const started = performance.now();
	if (stopping) return failedSession(notStarted(argv));
	const routed = runner.transport.route(argv, {LC_ALL: 'C', ...options.env});
	if ('refused' in routed) return failedSession(notStarted(argv, routed.refused));
	const [file, ...args] = routed.argv;
	const limit = runner.limitFor(options);
	const {child, timedOut} = startBounded(
		file!,
		args,
		{stdin: 'pipe', ...(routed.env ? {env: routed.env} : {}), buffer: false},
		limit.timeoutMs,
	);
	let stderr = '';
	// What was printed while no question was waiting (none, for virsh): the start of the next answer.
	let unclaimed = '';
	let waiter:
		| {
				reader: AnswerReader;
				progress: ((piece: string) => void) | undefined;
				resolve: (text: string) => void;
				reject: (error: Error) => void;
		  }
		| undefined;
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
	// Spawning can fail (not installed), the program can end early or run out of time: every pending question then fails.
	const finished = child.then((result) => {
		waiter?.reject(new Error(stderr.trim() || `${file} ended before answering`));
		waiter = undefined;
		return result;
	});
	return {
		ask(text, until, progress) {
			const asked = performance.now();
			return new Promise<string>((resolve, reject) => {
				waiter = {reader: new AnswerReader(until), progress, resolve, reject};
				child.stdin?.write(text, (error) => {
					if (error) reject(error);
				});
				const early = unclaimed;
				unclaimed = '';
				if (early !== '') receive(early);
			}).then((answer) => {
				trace('answer', {
					argv: argv.slice(0, 1),
					started: Math.round(asked),
					ms: Math.round(performance.now() - asked),
				});
				return answer;
			});
		},
		errors: () => stderr,
		async close() {
			child.stdin?.end();
			const result = await finished;
			const missing = (result as {code?: string}).code === 'ENOENT' || runner.missingThere(result);
			const sshFailed = runner.transport.connection.kind === 'ssh' && result.exitCode === 255;
			return {
				...(sshFailed ? {transportError: describeSshFailure(stderr, runner.transport.where)} : {}),
				argv,
				exitCode: result.exitCode,
				stdout: unclaimed,
				stderr,
				ok: !result.failed && result.exitCode === 0 && !timedOut(),
				missing,
				timedOut: timedOut(),
				milliseconds: performance.now() - started,
				...limit,
			};
		},
	};
}
