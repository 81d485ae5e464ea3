// Open vSwitch bridges and ports from one ovs-vsctl process. OVS is optional: not installed is not a problem.
import type {Bridge, Problem} from '../core/model.js';
import {parseOvsBridges} from '../core/parse-ovs.js';
import {describeFailure, type Runner} from './runner.js';

export const ovsBridgeQuery = [
	'ovs-vsctl',
	'--timeout=3',
	'--format=json',
	'--',
	'--columns=name,ports,datapath_type,stp_enable',
	'list',
	'Bridge',
	'--',
	'--columns=_uuid,name,interfaces,tag,trunks',
	'list',
	'Port',
	'--',
	'--columns=_uuid,name,type',
	'list',
	'Interface',
];

export interface OvsScan {
	installed: boolean;
	bridges: Bridge[];
	problems: Problem[];
}

export async function scanOvs(runner: Runner): Promise<OvsScan> {
	const result = await runner.run(ovsBridgeQuery, {timeoutMs: 5000});
	if (result.missing) return {installed: false, bridges: [], problems: []};
	if (!result.ok) {
		return {installed: true, bridges: [], problems: [{area: 'ovs', message: `Open vSwitch is installed but its database does not answer: ${describeFailure(result)}`}]};
	}
	try {
		return {installed: true, bridges: parseOvsBridges(result.stdout), problems: []};
	} catch (error) {
		return {installed: true, bridges: [], problems: [{area: 'ovs', message: (error as Error).message}]};
	}
}
