// Network namespaces for tests: every one is named kvmt-<purpose>-<pid>, deleted in afterAll, deleted again at
// process exit if a test died first, and namespaces left by a dead test process are swept at the next start.
// Nothing here touches the machine's own interfaces, routes or firewall.
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {execa} from 'execa';

export interface Exec {
	stdout: string;
	stderr: string;
	exitCode: number | undefined;
}

/** Run a command for a test; throws with its stderr when it fails (the test then fails, and afterAll cleans up). */
export async function run(
	argv: string[],
	options: {input?: string; env?: Record<string, string>; timeout?: number} = {},
): Promise<Exec> {
	const [file, ...args] = argv;
	const result = await execa(file!, args, {
		reject: false,
		input: options.input,
		env: options.env,
		timeout: options.timeout ?? 60_000,
	});
	if (result.failed)
		throw new Error(`${argv.join(' ')} failed (exit ${result.exitCode}): ${result.stderr || result.message}`);
	return {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode};
}

const live = new Set<string>();

process.once('exit', () => {
	for (const name of live) {
		try {
			execFileSync('ip', ['netns', 'del', name], {stdio: 'ignore'});
		} catch {
			// Already gone.
		}
	}
});

function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** Delete kvmt-* namespaces whose creating process is gone (a test run that was killed). */
export async function sweepStaleNamespaces(): Promise<void> {
	const {stdout} = await run(['ip', 'netns', 'list']);
	for (const line of stdout.split('\n')) {
		const name = line.split(' ')[0] ?? '';
		const pid = /^kvmt-.*-(\d+)$/.exec(name)?.[1];
		if (pid && !pidAlive(Number(pid))) await execa('ip', ['netns', 'del', name], {reject: false});
	}
}

export const isRoot = process.getuid?.() === 0;

/** A veth pair with one end in each namespace (a "laptop" and a "host", say), both ends still down. */
export function vethBetween(namespace: string, name: string, peerNamespace: string, peerName: string): Promise<Exec> {
	return run([
		'ip',
		'link',
		'add',
		name,
		'netns',
		namespace,
		'type',
		'veth',
		'peer',
		'name',
		peerName,
		'netns',
		peerNamespace,
	]);
}

export class Namespace {
	private constructor(readonly name: string) {}

	static async create(purpose: string): Promise<Namespace> {
		await sweepStaleNamespaces();
		const name = `kvmt-${purpose}-${process.pid}`;
		await execa('ip', ['netns', 'del', name], {reject: false});
		await run(['ip', 'netns', 'add', name]);
		live.add(name);
		await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
		return new Namespace(name);
	}

	/** Run argv inside the namespace (with its own /sys, as `ip netns exec` mounts it). */
	exec(argv: string[], options: {input?: string; env?: Record<string, string>; timeout?: number} = {}): Promise<Exec> {
		return run(['ip', 'netns', 'exec', this.name, ...argv], options);
	}

	/** `ip -n NS …` */
	ip(...args: string[]): Promise<Exec> {
		return run(['ip', '-n', this.name, ...args]);
	}

	/** Feed many `ip` commands to one process (`ip -batch`), for building large hosts quickly. */
	ipBatch(lines: string[]): Promise<Exec> {
		return run(['ip', '-n', this.name, '-batch', '-'], {input: `${lines.join('\n')}\n`, timeout: 300_000});
	}

	async destroy(): Promise<void> {
		await execa('ip', ['netns', 'del', this.name], {reject: false});
		live.delete(this.name);
	}
}

/**
 * Probe namespaces (kvmnet-probe-PID-a/b) and lease-script folders (/run/kvmnet-probe-PID) whose kvmnet is gone:
 * what a probe left behind. Namespace names are
 * global, so a probe running meanwhile in another test file (its pid alive) is not counted.
 */
export async function probeLeftovers(): Promise<string[]> {
	const {stdout} = await run(['ip', 'netns', 'list']);
	const folders = readdirSync('/run').filter((name) => /^kvmnet-probe-\d+$/.test(name));
	return [...(stdout.match(/kvmnet-probe-\d+-[ab]/g) ?? []), ...folders.map((name) => `/run/${name}`)].filter(
		(name) => !pidAlive(Number(name.split('-')[2])),
	);
}

/**
 * A dnsmasq of the test's own in `namespace`, in the foreground with no config file, pid file or user switch (it
 * serves only what `options` say); stopped by the caller with kill().
 */
export function startDnsmasq(namespace: string, options: string[]): ChildProcess {
	return spawn(
		'ip',
		[
			'netns',
			'exec',
			namespace,
			'dnsmasq',
			'--keep-in-foreground',
			'--conf-file=/dev/null',
			'--pid-file=',
			'--user=root',
			...options,
		],
		{stdio: 'ignore'},
	);
}
