// The doctor: what breaks VM networking on this host, from the inventory plus a few more facts (sysctls, firewall,
// listening sockets, devices). Each check says what it saw, why it matters and the fix; where the fix is a few
// commands, it comes as plan steps with their undo, applied through the same engine as the wizard's plans.
// Pure: the host layer (host/scan-doctor.ts) gathers DoctorFacts. This file is the registry: the checks live in one
// file per group (libvirt, kernel, firewall, addresses, hardware), each exporting its list, and run from one array.
import type {HostModel} from '../model.js';
import type {Plan} from '../plan.js';
import {addressChecks} from './addresses.js';
import {firewallChecks} from './firewall.js';
import {hardwareChecks} from './hardware.js';
import {kernelChecks} from './kernel.js';
import {libvirtChecks} from './libvirt.js';
import {isFixable, statusOrder, type Check, type CheckResult, type CheckStatus, type DoctorFacts} from './types.js';

export {
	groupTitles,
	isFixable,
	statusOrder,
	sysctlKeys,
	type Check,
	type CheckFix,
	type CheckGroup,
	type CheckResult,
	type CheckStatus,
	type DoctorFacts,
	type Listener,
} from './types.js';

/** Every check, group by group: a new check goes in its group's list, and so runs here. */
export const checks: readonly Check[] = [
	...libvirtChecks,
	...kernelChecks,
	...firewallChecks,
	...addressChecks,
	...hardwareChecks,
];

/** Every check's results, failures first, then warnings, passes and the ones that do not apply (stable within a status). */
export function runChecks(host: HostModel, facts: DoctorFacts): CheckResult[] {
	// A remote host kvmnet has no shell on (libvirt over tls or tcp): only what libvirt itself says can be checked.
	const runnable = host.header.remote?.hostFacts === false ? checks.filter((c) => c.group === 'libvirt') : checks;
	return runnable
		.flatMap((check) => check.run(host, facts))
		.map((r, i) => ({r, i}))
		.sort((a, b) => statusOrder[a.r.status] - statusOrder[b.r.status] || a.i - b.i)
		.map(({r}) => r);
}

/** A check's status as words: "the check forwarding passes". */
export const statusWords: Record<CheckStatus, string> = {
	fail: 'fails',
	warn: 'warns',
	pass: 'passes',
	'n/a': 'does not apply here',
};

/** 0 when everything passes (or does not apply), 1 with warnings, 2 with failures. */
export function doctorExitCode(results: CheckResult[]): 0 | 1 | 2 {
	if (results.some((r) => r.status === 'fail')) return 2;
	return results.some((r) => r.status === 'warn') ? 1 : 0;
}

/** A check's fix as a plan the apply engine runs (and undoes), like the wizard's. */
export function fixPlan(host: HostModel, result: CheckResult, directory: string): Plan | undefined {
	const steps = result.fix?.steps;
	if (!steps || !isFixable(result)) return undefined;
	return {
		version: 1,
		mode: 'doctor',
		params: {check: result.id, name: result.id},
		uri: host.header.libvirt.uri,
		manager: {kind: host.capabilities.networkManager.kind, reason: host.capabilities.networkManager.reason},
		directory,
		interfaceXml: '',
		steps,
		warnings: [],
	};
}

export const isDoctorPlan = (plan: Plan) => plan.mode === 'doctor';
