// Before the first step: can this user run the plan, are its tools installed, and does the plan still fit the
// host as it is now (nothing taken or changed since it was made)? Any "no" stops the apply before it starts.
import {isDoctorPlan, runChecks, statusWords} from '../core/doctor.js';
import type {HostModel} from '../core/model.js';
import {loadDoctorFacts} from './load-host.js';
import type {Plan} from '../core/plan.js';
import {makePlan} from '../core/planner.js';
import {describeFailure, onPath, type Runner} from './runner.js';

/** The problems that stop this plan from being applied now; empty when it can go ahead. */
export async function preflight(plan: Plan, host: HostModel, runner: Runner, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
	const problems: string[] = [];
	if (plan.uri.startsWith('test:') || host.source === 'demo') {
		return ['this plan is for a test-driver or demo host, which keeps no state between commands: make the plan against a real libvirt (--connect) to apply it'];
	}
	if (process.getuid?.() !== 0) {
		const sudo = await runner.run(['sudo', '-n', 'true'], {timeoutMs: 5000});
		problems.push(sudo.ok ? 'run kvmnet apply with sudo: it changes the host network' : `applying needs root: run it with sudo (${describeFailure(sudo)})`);
	}
	const tools = new Set(plan.steps.flatMap((step) => [step.run[0], step.undo?.[0], step.verify?.run[0]]).filter((tool): tool is string => Boolean(tool)));
	for (const tool of tools) {
		if (!(await onPath(tool, env))) problems.push(`${tool} is not installed, and the plan needs it`);
	}
	if (isDoctorPlan(plan)) {
		// A doctor's fix is made again from the check as the host is now: it must still be needed, and the same.
		const check = runChecks(host, await loadDoctorFacts(host, runner)).find((result) => result.id === plan.params['check']);
		if (!check?.fix?.steps) problems.push(`the check ${plan.params['check']} does not need this fix any more (it ${check ? statusWords[check.status] : 'no longer exists'}): run kvmnet doctor again`);
		else if (JSON.stringify(check.fix.steps) !== JSON.stringify(plan.steps)) problems.push('the host changed since this fix was made (its steps would differ now): run kvmnet doctor again');
		return problems;
	}
	const again = makePlan(plan.mode, plan.params, host, {uri: plan.uri, directory: () => plan.directory});
	if (!again.plan) {
		problems.push(...again.errors.map((e) => `the plan no longer fits this host: ${e.message}`));
	} else if (JSON.stringify(again.plan.steps) !== JSON.stringify(plan.steps)) {
		problems.push('the host changed since this plan was made (its steps would differ now): make the plan again');
	}
	return problems;
}
