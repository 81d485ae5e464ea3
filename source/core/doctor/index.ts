// The doctor: what breaks VM networking on this host, from the inventory plus a few more facts (sysctls, firewall,
// listening sockets, devices). Each check says what it saw, why it matters and the fix; where the fix is a few
// commands, it comes as plan steps with their undo, applied through the same engine as the wizard's plans.
// Pure: the host layer (host/scan-doctor.ts) gathers DoctorFacts. The checks live in one file per group.
import type {HostModel} from '../model.js';
import type {Plan} from '../plan.js';
import {dnsDhcpPortsCheck, dockerCheck, hostFirewallCheck, libvirtFirewallCheck} from './firewall.js';
import {devicesCheck, ovsCheck, passthroughCheck} from './hardware.js';
import {bridgeNetfilterCheck, forwardingCheck, routerAdvertisementCheck} from './kernel.js';
import {libvirtFeaturesCheck, networkChecks} from './libvirt.js';
import {macvtapHostCheck, subnetOverlapCheck, wifiCheck} from './addresses.js';
import type {CheckResult, CheckStatus, DoctorFacts} from './types.js';

export {
	groupTitles,
	sysctlKeys,
	type CheckFix,
	type CheckGroup,
	type CheckResult,
	type CheckStatus,
	type DoctorFacts,
	type Listener,
} from './types.js';

const order: Record<CheckStatus, number> = {fail: 0, warn: 1, pass: 2, 'n/a': 3};

/** Every check, failures first, then warnings, passes and the ones that do not apply. */
export function runChecks(host: HostModel, facts: DoctorFacts): CheckResult[] {
	const results = [
		...networkChecks(host),
		libvirtFeaturesCheck(host),
		forwardingCheck(host, facts),
		routerAdvertisementCheck(host, facts),
		bridgeNetfilterCheck(host, facts),
		dockerCheck(host, facts),
		hostFirewallCheck(facts),
		libvirtFirewallCheck(host, facts),
		dnsDhcpPortsCheck(host, facts),
		subnetOverlapCheck(host),
		wifiCheck(host),
		macvtapHostCheck(host),
		devicesCheck(facts),
		ovsCheck(host),
		...passthroughCheck(host, facts),
	];
	return results
		.map((r, i) => ({r, i}))
		.sort((a, b) => order[a.r.status] - order[b.r.status] || a.i - b.i)
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
	if (!result.fix?.steps?.length) return undefined;
	return {
		version: 1,
		mode: 'doctor',
		params: {check: result.id, name: result.id},
		uri: host.header.libvirt.uri,
		manager: {kind: host.capabilities.networkManager.kind, reason: host.capabilities.networkManager.reason},
		directory,
		interfaceXml: '',
		steps: result.fix.steps,
		warnings: [],
	};
}

export const isDoctorPlan = (plan: Plan) => plan.mode === 'doctor';
