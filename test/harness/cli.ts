// Runs the built kvmnet (dist/cli.js) the way a user or a script does.
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import type {HostModel} from '../../source/core/model.js';

export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliRun {
	stdout: string;
	stderr: string;
	exitCode: number | undefined;
}

export interface CliOptions {
	/** Run inside this network namespace. */
	namespace?: string;
	env?: Record<string, string>;
	/** Run as this uid (and the same gid), without supplementary groups. */
	asUser?: number;
}

/** `kvmnet plan` of a host bridge over `uplink`, saved to `out` (the tests that apply one and undo it). */
export const bridgePlanArgs = (plan: {name: string; bridge: string; uplink: string; out: string}) => [
	'plan',
	'--mode',
	'bridge',
	'--name',
	plan.name,
	'--bridge',
	plan.bridge,
	'--uplink',
	plan.uplink,
	'--out',
	plan.out,
];

/** Run kvmnet with args as a user or script would. Standard input is never a terminal. */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
	let argv = [process.execPath, cliPath, ...args];
	if (options.asUser !== undefined)
		argv = ['setpriv', `--reuid=${options.asUser}`, `--regid=${options.asUser}`, '--clear-groups', ...argv];
	if (options.namespace) argv = ['ip', 'netns', 'exec', options.namespace, ...argv];
	const result = await execa(argv[0]!, argv.slice(1), {
		reject: false,
		stdin: 'ignore',
		env: options.env,
		timeout: 120_000,
	});
	return {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode};
}

/** `kvmnet inventory --json …` parsed; fails the test with stderr when it does not print JSON. */
export async function inventoryJson(args: string[], options: CliOptions = {}): Promise<HostModel> {
	const result = await runCli(['inventory', '--json', ...args], options);
	try {
		return JSON.parse(result.stdout) as HostModel;
	} catch {
		throw new Error(
			`kvmnet inventory --json printed no JSON (exit ${result.exitCode}): ${result.stderr}\n${result.stdout.slice(0, 500)}`,
		);
	}
}
