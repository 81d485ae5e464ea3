// Open vSwitch bridges and ports from one ovs-vsctl process. OVS is optional: not installed is not a problem.
import type {Bridge, Problem} from '../core/model.js';
import {parseOvsBridges} from '../core/parse-ovs.js';
import {describeFailure, describeTimeout, type Runner} from './runner.js';

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

/** The database socket ovs-vsctl connects to by default: $OVS_RUNDIR/db.sock. */
export const ovsDatabaseSocket = (env: NodeJS.ProcessEnv) => `${env['OVS_RUNDIR'] || '/var/run/openvswitch'}/db.sock`;

export async function scanOvs(runner: Runner, env: NodeJS.ProcessEnv = process.env): Promise<OvsScan> {
	// Most hosts have no OVS, or have it installed and stopped: both are told without starting a process.
	// OVS_RUNDIR is this machine's setting: a remote host's ovs-vsctl uses its own default. Both asked at once (and,
	// on a remote host, the query too).
	const socket = ovsDatabaseSocket(runner.remote ? {} : env);
	const query = runner.ahead(ovsBridgeQuery, {atMostMs: 5000});
	const [installed, running] = await Promise.all([runner.hasProgram('ovs-vsctl', env), runner.files.exists(socket)]);
	if (!installed) return {installed: false, bridges: [], problems: []};
	if (!running) {
		return {
			installed: true,
			bridges: [],
			problems: [
				{
					area: 'ovs',
					message: `Open vSwitch is installed but not running: its database socket ${socket} does not exist (systemctl start openvswitch-switch)`,
				},
			],
		};
	}
	const result = await query();
	if (result.missing) return {installed: false, bridges: [], problems: []};
	if (!result.ok) {
		const timeout = result.timedOut ? {timeout: describeTimeout(result)} : {};
		return {
			installed: true,
			bridges: [],
			problems: [
				{
					area: 'ovs',
					message: `Open vSwitch is installed but its database does not answer: ${describeFailure(result)}`,
					...timeout,
				},
			],
		};
	}
	try {
		return {installed: true, bridges: parseOvsBridges(result.stdout), problems: []};
	} catch (error) {
		return {installed: true, bridges: [], problems: [{area: 'ovs', message: (error as Error).message}]};
	}
}
