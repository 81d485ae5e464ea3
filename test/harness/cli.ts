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

/** Run kvmnet with args; with `namespace`, inside that network namespace. Standard input is never a terminal. */
export async function runCli(args: string[], options: {namespace?: string; env?: Record<string, string>} = {}): Promise<CliRun> {
	const argv = options.namespace ? ['ip', 'netns', 'exec', options.namespace, process.execPath, cliPath, ...args] : [process.execPath, cliPath, ...args];
	const result = await execa(argv[0]!, argv.slice(1), {reject: false, stdin: 'ignore', env: options.env, timeout: 120_000});
	return {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode};
}

/** `kvmnet inventory --json …` parsed; fails the test with stderr when it does not print JSON. */
export async function inventoryJson(args: string[], options: {namespace?: string; env?: Record<string, string>} = {}): Promise<HostModel> {
	const result = await runCli(['inventory', '--json', ...args], options);
	try {
		return JSON.parse(result.stdout) as HostModel;
	} catch {
		throw new Error(`kvmnet inventory --json printed no JSON (exit ${result.exitCode}): ${result.stderr}\n${result.stdout.slice(0, 500)}`);
	}
}
