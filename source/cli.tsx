#!/usr/bin/env node
// kvmnet's entry point: parses arguments, then either opens the interactive app or, for scripts and pipes,
// prints the inventory as text or JSON.
import {readFileSync} from 'node:fs';
import {parseArgs, usage, UsageError, type CliArgs} from './args.js';
import type {HostModel} from './core/model.js';
import type {Plan} from './core/plan.js';
import {resolve} from 'node:path';
import {loadHost} from './host/load-host.js';
import {ConnectionError, parseConnection} from './core/connection.js';
import {makePlan} from './plan/planner.js';
import {visible} from './core/visible.js';
import {planDirectory, prepareDirectory, SaveError, savePlan, type PreparedDirectory} from './host/plan-files.js';
import {stopAllCommands, timeoutSetting} from './host/runner.js';
import {resolveLibvirtUri} from './host/virsh.js';
import {previewText} from './ui/plan-text.js';
import {ignoreOutputErrors} from './stop-signals.js';
import {startTrace} from './host/trace.js';
import {textReport} from './ui/report.js';

function version(): string {
	const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string};
	return pkg.version;
}

/**
 * Exit 1 when the inventory is missing a part the user relies on: the NIC list, the libvirt they named, or
 * anything a tool did not answer in time.
 */
function inventoryExitCode(model: HostModel, args: CliArgs): number {
	if (model.problems.some((p) => p.area === 'nics' || p.timeout)) return 1;
	if (
		model.source === 'live' &&
		!model.header.libvirt.reachable &&
		(args.connect || process.env['LIBVIRT_DEFAULT_URI'])
	)
		return 1;
	return 0;
}

async function printInventory(args: CliArgs, explainWhy: boolean): Promise<number> {
	if (explainWhy) {
		const which = !process.stdin.isTTY ? 'standard input is' : 'standard output is';
		process.stderr.write(
			`kvmnet: ${which} not a terminal, so here is the inventory as text (kvmnet inventory --json for JSON).\n`,
		);
	}
	const model = await loadHost({demo: args.demo, ...(args.connect ? {connect: args.connect} : {})});
	process.stdout.write(args.json ? `${JSON.stringify(model, null, 2)}\n` : textReport(model));
	return inventoryExitCode(model, args);
}

/** The --out directory, made and checked writable before anything is scanned; a number is the exit code (2). */
async function prepareOut(dir: string): Promise<PreparedDirectory | number> {
	try {
		return await prepareDirectory(dir);
	} catch (error) {
		if (!(error instanceof SaveError)) throw error;
		process.stderr.write(`kvmnet: --out: ${error.message}\n`);
		return 2;
	}
}

/** Save the plan's files in the --out directory; the exit code (2) when they cannot be written (none are left). */
async function saveOut(plan: Plan, out: PreparedDirectory, dir: string): Promise<string[] | number> {
	try {
		return await savePlan(plan, dir);
	} catch (error) {
		if (!(error instanceof SaveError)) throw error;
		await out.discard();
		process.stderr.write(`kvmnet: --out: ${error.message}\n`);
		return 2;
	}
}

/** `kvmnet doctor`: every check as text or JSON (exit 0/1/2); with --fix and --out, save that check's fix as a plan. */
async function printDoctor(args: CliArgs): Promise<number> {
	const [{runChecks, doctorExitCode, fixPlan, statusWords}, {loadDoctorFacts}, {doctorText}] = await Promise.all([
		import('./core/doctor/index.js'),
		import('./host/load-host.js'),
		import('./ui/doctor-text.js'),
	]);
	const out = args.out === undefined ? undefined : await prepareOut(args.out);
	if (typeof out === 'number') return out;
	const host = await loadHost({demo: args.demo, ...(args.connect ? {connect: args.connect} : {})});
	const facts = await loadDoctorFacts(host);
	const results = runChecks(host, facts);
	if (args.fix !== undefined) {
		const result = results.find((r) => r.id === args.fix);
		if (!result) {
			await out?.discard();
			process.stderr.write(
				`${visible(`kvmnet: --fix: there is no check "${args.fix}"; the checks are: ${results.map((r) => r.id).join(', ')}`)}\n`,
			);
			return 2;
		}
		const plan = fixPlan(host, result, args.out!);
		if (!plan) {
			await out?.discard();
			const why =
				result.fix && (result.status === 'fail' || result.status === 'warn')
					? `, and its fix is not something kvmnet can run: ${result.fix.text}`
					: ': nothing to fix';
			process.stderr.write(`${visible(`kvmnet: --fix: the check ${result.id} ${statusWords[result.status]}${why}`)}\n`);
			return 2;
		}
		const written = await saveOut(plan, out!, args.out!);
		if (typeof written === 'number') return written;
		process.stdout.write(`${previewText(plan)}`);
		process.stderr.write(
			`kvmnet: wrote ${written.join(', ')}; apply it with kvmnet apply ${args.out}/plan.json${args.connect ? ` -c '${visible(args.connect)}'` : ''}\n`,
		);
		return 0;
	}
	process.stdout.write(
		args.json
			? `${JSON.stringify({source: host.source, hostname: host.header.hostname, results, facts, exitCode: doctorExitCode(results)}, null, 2)}\n`
			: doctorText(results, args.connect),
	);
	return doctorExitCode(results);
}

/** `kvmnet plan`: check the parameters against this host and print the plan; bad input exits 2 with every message. */
async function printPlan(args: CliArgs): Promise<number> {
	// A --out that cannot be written ends the command before the scan, and a refused plan leaves no directory.
	const prepared = args.out === undefined ? undefined : await prepareOut(args.out);
	if (typeof prepared === 'number') return prepared;
	const host = await loadHost({demo: args.demo, ...(args.connect ? {connect: args.connect} : {})});
	const uri = args.demo ? host.header.libvirt.uri : resolveLibvirtUri(args.connect);
	// A plan made without the host's facts would be made blind (its bridges, subnets and NICs unknown).
	const unread = host.header.remote?.why?.startsWith('host facts unavailable: ');
	if (unread) {
		await prepared?.discard();
		process.stderr.write(`kvmnet: host: ${visible(host.header.remote!.why!)}; nothing was planned.\n`);
		return 2;
	}
	// A relative --out is made absolute: the plan records its folder, and apply accepts only an absolute one.
	const out = args.out === undefined ? undefined : resolve(args.out);
	const {plan, errors} = makePlan(args.mode!, args.fields ?? {}, host, {
		uri,
		directory: (name) => out ?? planDirectory(name),
	});
	if (!plan) {
		await prepared?.discard();
		for (const error of errors) process.stderr.write(`kvmnet: ${visible(error.message)}\n`);
		return 2;
	}
	// The files first: when they cannot be written, nothing is printed as if the plan were saved.
	const written = prepared && out ? await saveOut(plan, prepared, out) : undefined;
	if (typeof written === 'number') return written;
	const format = args.format ?? 'text';
	if (format === 'json') process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
	else if (format === 'script') process.stdout.write(`${(await import('./core/script.js')).planScript(plan)}\n`);
	else if (format === 'xml')
		process.stdout.write(`${plan.networkXml ? `${plan.networkXml}\n` : ''}${plan.interfaceXml}\n`);
	else process.stdout.write(previewText(plan));
	if (written) process.stderr.write(`kvmnet: wrote ${written.join(', ')}\n`);
	return 0;
}

async function runInteractive(args: CliArgs): Promise<number> {
	const load = () =>
		loadHost({demo: args.demo, demoWhenNoLibvirt: true, ...(args.connect ? {connect: args.connect} : {})});
	// The scan starts before Ink and React load (~0.2 s of module loading): its processes run meanwhile.
	const firstScan = load();
	firstScan.catch(() => undefined);
	const interactive = await import('./interactive.js');
	const code = await interactive.runInteractive(load, args.connect ? {connect: args.connect} : {}, firstScan);
	// Quitting (q, Ctrl-C) does not wait for a scan still under way: its commands are killed, none start after.
	stopAllCommands();
	// Nothing should be left to wait for; should a killed command not end (a process stuck in the kernel), the
	// app still exits. The terminal is written synchronously, so nothing is lost.
	setTimeout(() => process.exit(code), 1000).unref();
	return code;
}

async function main(): Promise<number> {
	startTrace();
	ignoreOutputErrors();
	let args: CliArgs;
	try {
		args = parseArgs(process.argv.slice(2));
	} catch (error) {
		if (error instanceof UsageError) {
			process.stderr.write(`kvmnet: ${error.message}\n`);
			return 2;
		}
		throw error;
	}
	if (args.command === 'help') {
		process.stdout.write(`${usage}\n`);
		return 0;
	}
	if (args.command === 'version') {
		process.stdout.write(`${version()}\n`);
		return 0;
	}
	// The guard (started by apply with the same environment) must undo, whatever it inherited.
	const timeout = timeoutSetting(process.env);
	if (timeout instanceof Error && args.command !== 'guard') {
		process.stderr.write(`kvmnet: ${timeout.message}\n`);
		return 2;
	}
	// A URI kvmnet cannot follow is refused before anything is contacted (demo aside: it names no host).
	if (!args.demo) {
		const named = args.connect ?? process.env['LIBVIRT_DEFAULT_URI'];
		try {
			if (named !== undefined) parseConnection(named);
		} catch (error) {
			if (!(error instanceof ConnectionError)) throw error;
			process.stderr.write(`kvmnet: ${visible(error.message)}. Nothing was contacted.\n`);
			return 2;
		}
	}
	if (args.command === 'plan') return printPlan(args);
	if (args.command === 'doctor') return printDoctor(args);
	if (args.command === 'probe') return (await import('./probe-cli.js')).runProbe(args);
	if (args.command === 'apply' || args.command === 'undo' || args.command === 'confirm' || args.command === 'guard') {
		const commands = await import('./apply-cli.js');
		if (args.command === 'apply') return commands.runApply(args);
		if (args.command === 'undo') return commands.runUndo(args);
		if (args.command === 'confirm') return commands.runConfirm(args);
		return commands.runGuardProcess(args);
	}
	const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
	if (args.command === 'inventory' || !terminal) return printInventory(args, args.command !== 'inventory');
	return runInteractive(args);
}

main().then(
	(code) => {
		process.exitCode = code;
	},
	(error: unknown) => {
		process.stderr.write(`kvmnet: ${visible(error instanceof Error ? error.message : String(error))}\n`);
		process.exitCode = 1;
	},
);
