// Runs a program in a real terminal (tmux, 80x24 by default) on a private tmux server, types into it with
// send-keys and reads the screen with capture-pane, as a person at a terminal would.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa} from 'execa';

let count = 0;

export class TmuxSession {
	private constructor(
		private readonly socket: string,
		readonly name: string,
		private readonly statusFile: string,
	) {}

	/** Start `argv` in a new terminal. CI=true makes Ink draw only its last frame, so it is removed. */
	static async start(
		argv: string[],
		options: {env?: Record<string, string>; width?: number; height?: number} = {},
	): Promise<TmuxSession> {
		const socket = `kvmnet-test-${process.pid}-${count++}`;
		const env = Object.entries({TERM: 'xterm-256color', ...options.env}).map(([k, v]) => `${k}=${v}`);
		const program = [
			'env',
			'-u',
			'CI',
			'-u',
			'NO_COLOR',
			'-u',
			'LIBVIRT_DEFAULT_URI',
			'-u',
			'SSH_CONNECTION',
			...env,
			...argv,
		];
		// tmux 3.3 does not always record a pane's exit status (it can see the terminal close before the process is
		// reaped), so a shell around the program writes it to a file. The shell is the harness's, not kvmnet's.
		const statusFile = join(mkdtempSync(join(tmpdir(), 'kvmnet-tmux-')), 'status');
		const command = ['sh', '-c', '"$@"; echo $? > "$0"', statusFile, ...program];
		const size = ['-x', String(options.width ?? 80), '-y', String(options.height ?? 24)];
		await execa('tmux', [
			'-L',
			socket,
			'-f',
			'/dev/null',
			'new-session',
			'-d',
			'-s',
			'app',
			...size,
			...command,
			';',
			'set-option',
			'-t',
			'app',
			'remain-on-exit',
			'on',
		]);
		return new TmuxSession(socket, 'app', statusFile);
	}

	private tmux(...args: string[]) {
		return execa('tmux', ['-L', this.socket, ...args], {reject: false});
	}

	/** Send keys in one send-keys call: tmux writes them to the program together, as a burst. */
	async keys(...keys: string[]): Promise<void> {
		await this.tmux('send-keys', '-t', this.name, ...keys);
	}

	/** The screen as text; with `escapes`, with its colour and attribute codes. */
	async screen(escapes = false): Promise<string> {
		const result = await this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name);
		return String(result.stdout);
	}

	/** A tmux format about the pane, e.g. `#{pane_title}` (what an OSC 0/2 sequence from the program would change). */
	async display(format: string): Promise<string> {
		return String((await this.tmux('display-message', '-p', '-t', this.name, format)).stdout).trim();
	}

	async waitFor(text: string | RegExp, timeoutMs = 8000): Promise<string> {
		const started = Date.now();
		for (;;) {
			const screen = await this.screen();
			if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return screen;
			if (Date.now() - started > timeoutMs)
				throw new Error(`the terminal never showed ${String(text)}; it shows:\n${screen}`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}

	/** The program's exit status once it has ended, or undefined while it runs. */
	exitStatus(): number | undefined {
		try {
			const text = readFileSync(this.statusFile, 'utf8');
			return text.endsWith('\n') ? Number(text.trim()) : undefined;
		} catch {
			return undefined;
		}
	}

	async waitForExit(timeoutMs = 5000): Promise<number> {
		const started = Date.now();
		for (;;) {
			const status = this.exitStatus();
			if (status !== undefined) return status;
			if (Date.now() - started > timeoutMs)
				throw new Error(`the program did not exit; it shows:\n${await this.screen()}`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}

	async kill(): Promise<void> {
		await this.tmux('kill-server');
		rmSync(join(this.statusFile, '..'), {recursive: true, force: true});
	}
}
