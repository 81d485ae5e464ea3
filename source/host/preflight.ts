// Before the first step: can this user run the plan, are its tools installed, and does the plan still fit the
// host as it is now (nothing taken or changed since it was made)? The plan that runs is never the one given: it is
// made again from the given plan's checked parameters against a fresh scan, and the given steps must be exactly
// those (a plan file is untrusted: its argv, paths and URI are never used). Any "no" stops the apply before it starts.
import {fixPlan, isDoctorPlan, runChecks, statusWords} from '../core/doctor/index.js';
import type {HostModel} from '../core/model.js';
import type {Plan} from '../core/plan.js';
import {makePlan} from '../plan/planner.js';
import {loadDoctorFacts} from './load-host.js';
import {planDirectory} from './plan-files.js';
import {describeFailure, type Runner} from './runner.js';

export interface Preflight {
	/** Why the plan cannot be applied now; empty when it can. */
	problems: string[];
	/** The plan to run, rebuilt by kvmnet (files under the state directory), when there are no problems. */
	plan?: Plan;
}

/** The same plan made again here, with its files in `directory`; or why it cannot be. */
async function rebuild(
	given: Plan,
	host: HostModel,
	runner: Runner,
	uri: string,
	directory: string,
): Promise<{plan?: Plan; problems: string[]}> {
	if (isDoctorPlan(given)) {
		// A doctor's fix is made again from the check as the host is now: it must still be needed, and the same.
		const check = runChecks(host, await loadDoctorFacts(host, runner)).find(
			(result) => result.id === given.params['check'],
		);
		const plan = check ? fixPlan(host, check, directory) : undefined;
		if (!plan)
			return {
				problems: [
					`the check ${given.params['check']} does not need this fix any more (it ${check ? statusWords[check.status] : 'no longer exists'}): run kvmnet doctor again`,
				],
			};
		return {plan, problems: []};
	}
	const again = makePlan(given.mode, given.params, host, {uri, directory: () => directory});
	if (!again.plan) return {problems: again.errors.map((e) => `the plan no longer fits this host: ${e.message}`)};
	return {plan: again.plan, problems: []};
}

/** What a host kvmnet has no shell on cannot take, step by step, in words: nothing of it is run. */
function remoteLimits(plan: Plan, connection: Runner['transport']['connection']): string[] {
	const at = (index: number) => `step ${index + 1} (${plan.steps[index]!.title})`;
	if (connection.kind === 'no-shell') {
		const index = plan.steps.findIndex((step) =>
			[step.run, step.undo, step.verify?.run].some((argv) => argv !== undefined && argv[0] !== 'virsh'),
		);
		return index < 0
			? []
			: [
					`${at(index)} runs ${plan.steps[index]!.run[0]} on the host, but kvmnet has no shell on ${connection.host} over ${connection.transport}: only libvirt (virsh) steps can be applied there. Nothing is run on this machine in its place.`,
				];
	}
	// Over ssh, kvmnet on the host applies (remote-agent.ts): the host is its own machine there.
	return [];
}

/**
 * Check `given` against `host`, scanned at `uri` (which came from --connect, LIBVIRT_DEFAULT_URI or the default, never
 * from a file), and return the plan to run, or the problems.
 */
export async function preflight(
	given: Plan,
	host: HostModel,
	runner: Runner,
	options: {uri: string; planDirectory?: (name: string) => string; env?: NodeJS.ProcessEnv},
): Promise<Preflight> {
	const {uri, env = process.env} = options;
	if (host.source === 'demo' || given.uri.startsWith('test:')) {
		return {
			problems: [
				'this plan is for a test-driver or demo host, which keeps no state between commands: make the plan against a real libvirt (--connect) to apply it',
			],
		};
	}
	if (given.uri !== uri)
		return {
			problems: [
				`uri: the plan was made for ${JSON.stringify(given.uri)}, but kvmnet uses ${JSON.stringify(uri)} here`,
			],
		};
	const problems: string[] = [];
	const connection = runner.transport.connection;
	if (connection.kind === 'ssh') {
		// A remote host: root there is what counts, as its side of the session said.
		const session = await runner.session();
		if ('error' in session) return {problems: [session.error]};
		if (session.uid !== 0)
			problems.push(
				`applying needs root on ${connection.ssh.host}: connect as root (qemu+ssh://root@${connection.ssh.host}/…)`,
			);
	} else if (process.getuid?.() !== 0) {
		const sudo = await runner.run(['sudo', '-n', 'true'], {timeoutMs: 5000});
		problems.push(
			sudo.ok
				? 'run kvmnet apply with sudo: it changes the host network'
				: `applying needs root: run it with sudo (${describeFailure(sudo)})`,
		);
	}
	// Made again with the given plan's own folder, the steps must come out the same, to the letter.
	const same = await rebuild(given, host, runner, uri, given.directory);
	if (!same.plan) return {problems: [...problems, ...same.problems]};
	if (same.plan.manager.kind !== given.manager.kind)
		return {
			problems: [
				...problems,
				`manager: the plan says ${JSON.stringify(given.manager.kind)}, but this host's network is run by ${same.plan.manager.kind} (${same.plan.manager.reason}): make the plan again`,
			],
		};
	for (const field of ['networkXml', 'interfaceXml'] as const) {
		if ((same.plan[field] ?? '') !== (given[field] ?? ''))
			return {
				problems: [
					...problems,
					`${field}: is not what kvmnet makes of this plan's parameters on this host now (the host changed, or the file was edited): make the plan again`,
				],
			};
	}
	if (JSON.stringify(same.plan.steps) !== JSON.stringify(given.steps)) {
		// Made in or out of an SSH session whose path the plan changes: the same commands, guarded differently.
		const bare = (steps: Plan['steps']) => JSON.stringify(steps.map(({risk, touchesSsh, ...step}) => step));
		if (bare(same.plan.steps) === bare(given.steps)) {
			return {
				problems: [
					...problems,
					`steps: the plan was made ${given.steps.some((s) => s.touchesSsh) ? 'over an SSH session whose interface it changes, and this apply is not in one' : 'outside this SSH session, and it changes the interface this session uses'}: make the plan again here, so the guard and the warnings fit`,
				],
			};
		}
		const outside = given.steps
			.flatMap((step) => step.writes ?? [])
			.find(
				(file) =>
					typeof file.path === 'string' &&
					file.path.startsWith('/') &&
					!file.path.startsWith(`${given.directory}/`) &&
					same.plan!.steps.some((s) =>
						s.writes?.some((w) => w.path.endsWith(file.path.slice(file.path.lastIndexOf('/')))),
					),
			);
		if (outside)
			return {
				problems: [
					...problems,
					`directory: ${JSON.stringify(given.directory)} is not the folder of the files its steps write (${JSON.stringify(outside.path)}): make the plan again`,
				],
			};
		const at = same.plan.steps.findIndex((step, i) => JSON.stringify(step) !== JSON.stringify(given.steps[i]));
		const where = at >= 0 ? `step ${at + 1}` : `step ${same.plan.steps.length + 1}`;
		return {
			problems: [
				...problems,
				`steps: ${where} is not what kvmnet makes of this plan's parameters on this host now (the host changed, or the file was edited): make the plan again`,
			],
		};
	}
	// What runs: the same plan, its files in a new folder of the state directory (never a folder named by the file).
	const {plan} = await rebuild(
		given,
		host,
		runner,
		uri,
		(options.planDirectory ?? planDirectory)(given.params['name'] || given.mode),
	);
	if (!plan) return {problems: [...problems, 'the plan could not be made again']};
	problems.push(...remoteLimits(plan, connection));
	const tools = new Set(
		plan.steps
			.flatMap((step) => [step.run[0], step.undo?.[0], step.verify?.run[0], ...(step.needs ?? [])])
			.filter((tool): tool is string => Boolean(tool)),
	);
	for (const tool of tools) {
		if (!(await runner.hasProgram(tool, env)))
			problems.push(
				`${tool} is not installed${runner.remote ? ` on ${runner.transport.where}` : ''}, and the plan needs it${tool === 'brctl' ? " (package bridge-utils: ifupdown's bridge_ports works through it)" : ''}`,
			);
	}
	return problems.length > 0 ? {problems} : {problems, plan};
}
