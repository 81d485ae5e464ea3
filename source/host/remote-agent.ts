// kvmnet on a remote host, for what must go on there when the connection to it is lost: an apply, its SSH guard and
// its journal live on that host, so a laptop that dies or drops off the network mid-apply strands nobody, and
// `kvmnet undo` from any machine finds the journal. kvmnet copies its own built bundle into the host's state
// directory (root's, mode 0700), once per build (the folder is named by the bundle's hash), and runs it with the
// host's Node.js; the kvmnet here sends the plan and shows what the agent reports. This is Cockpit's model (its
// bridge runs on the host) with kvmnet's own engine, so the host runs exactly the code that was tested here.
import {createHash} from 'node:crypto';
import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {PassThrough} from 'node:stream';
import {parseEvent, stopRequest} from '../core/agent-events.js';
import {fileSafeName, fileStamp, isJournal, type Journal, type LogLine, type StepState} from '../core/journal.js';
import type {Plan} from '../core/plan.js';
import type {ProbeReport} from '../core/probe.js';
import {packagedFile} from './packaged.js';
import {describeFailure, type Runner} from './runner.js';

/** The oldest Node.js the bundle is built for (scripts/build.mjs: target node20). */
export const agentNodeMajor = 20;

// Run with the host's node, the agent's folder as argument: where the agent is (the same rule as stateDirectory()
// in plan-files.ts, which the agent itself then follows), whether it is there whole, and node's version.
const probeScript = `const fs=require('fs'),os=require('os'),path=require('path');
const state=process.env.KVMNET_STATE_DIR||(process.getuid()===0?'/var/lib/kvmnet':path.join(process.env.XDG_STATE_HOME||path.join(os.homedir(),'.local/state'),'kvmnet'));
const dir=path.join(state,'agent',process.argv[1]);
console.log(process.versions.node);console.log(dir);console.log(fs.existsSync(path.join(dir,'.complete'))?'present':'absent');`;

// Unpacks the bundle (a JSON object of relative names and contents, on stdin) into the agent's folder: written to a
// temporary folder beside it and renamed into place, so a folder that is there is whole. Names are checked.
const unpackScript = `const fs=require('fs'),path=require('path');const dir=process.argv[1];let text='';
process.stdin.setEncoding('utf8');process.stdin.on('data',(c)=>(text+=c));process.stdin.on('end',()=>{
const files=JSON.parse(text);const tmp=dir+'.tmp-'+process.pid;
fs.mkdirSync(path.dirname(dir),{recursive:true,mode:0o700});fs.rmSync(tmp,{recursive:true,force:true});
for(const [name,content] of Object.entries(files)){
if(!/^(package\\.json|dist\\/([\\w-]+\\/)?[\\w.-]+\\.js)$/.test(name))throw new Error('unexpected file name '+name);
const file=path.join(tmp,name);fs.mkdirSync(path.dirname(file),{recursive:true,mode:0o700});fs.writeFileSync(file,content,{mode:0o600});}
fs.writeFileSync(path.join(tmp,'.complete'),'');
try{fs.renameSync(tmp,dir)}catch(error){fs.rmSync(tmp,{recursive:true,force:true});if(!fs.existsSync(path.join(dir,'.complete')))throw error;}});`;

export interface Bundle {
	/** The bundle's content hash: the agent's folder name on the host. */
	id: string;
	/** Relative name → content: package.json and dist's scripts. */
	files: Record<string, string>;
}

/** kvmnet's own built bundle (dist/cli.js, its chunks, package.json); throws when kvmnet runs from source. */
export function ownBundle(): Bundle {
	let cli: string;
	try {
		cli = packagedFile('cli.js');
	} catch {
		throw new Error(
			'kvmnet runs from its sources here, and only its built bundle can run on another host: run "npm run build"',
		);
	}
	const dist = dirname(cli);
	const files: Record<string, string> = {
		'package.json': readFileSync(join(dist, '../package.json'), 'utf8'),
		'dist/cli.js': readFileSync(cli, 'utf8'),
	};
	for (const name of readdirSync(join(dist, 'chunks')).sort())
		if (name.endsWith('.js')) files[`dist/chunks/${name}`] = readFileSync(join(dist, 'chunks', name), 'utf8');
	const hash = createHash('sha256');
	for (const [name, content] of Object.entries(files)) hash.update(`${name}\0${content}\0`);
	return {id: hash.digest('hex').slice(0, 16), files};
}

export interface Agent {
	/** The argv that runs kvmnet on the host (its node, the agent's cli.js). */
	argv: string[];
	/** The agent's folder there. */
	folder: string;
}

/**
 * kvmnet's agent on the runner's host, installed there first if this build is not there yet (one command to look,
 * one to copy). Throws, in words, when it cannot run there: no shell, not root, no Node.js, too old a Node.js.
 * With `install: false`, undefined when it is not there (nothing is copied).
 */
export async function ensureAgent(runner: Runner): Promise<Agent>;
export async function ensureAgent(runner: Runner, options: {install: false}): Promise<Agent | undefined>;
export async function ensureAgent(runner: Runner, options: {install?: boolean} = {}): Promise<Agent | undefined> {
	const bundle = ownBundle();
	const where = runner.transport.where;
	if (runner.transport.connection.kind !== 'ssh')
		throw new Error(`kvmnet has no shell on ${where}, so it cannot run there`);
	const facts = await runner.session();
	if ('error' in facts) throw new Error(facts.error);
	if (facts.uid !== undefined && facts.uid !== 0)
		throw new Error(
			`kvmnet changes ${where} as root, and this connection is uid ${facts.uid} there: connect as root (root@host in the URI)`,
		);
	const probe = await runner.run(['node', '-e', probeScript, bundle.id], {timeoutMs: 30_000});
	const needNode = `kvmnet runs on ${where} to apply, undo and confirm there (so its journal and its SSH guard stay on that host if this connection is lost), and that needs Node.js ${agentNodeMajor} or newer there`;
	if (probe.missing) throw new Error(`${needNode}: node is not installed on it`);
	if (!probe.ok) throw new Error(`${needNode}: ${describeFailure(probe)}`);
	const [version = '', folder = '', present = ''] = probe.stdout.split('\n').map((line) => line.trim());
	const major = Number(version.split('.')[0]);
	if (!Number.isInteger(major) || major < agentNodeMajor)
		throw new Error(`${needNode}: it has node ${JSON.stringify(version)}`);
	if (!folder.startsWith('/') || !folder.endsWith(`/agent/${bundle.id}`))
		throw new Error(`${where} named ${JSON.stringify(folder)} as kvmnet's folder, which is not one kvmnet would use`);
	if (present !== 'present') {
		if (options.install === false) return undefined;
		const copied = await runner.run(['node', '-e', unpackScript, folder], {
			input: JSON.stringify(bundle.files),
			timeoutMs: 120_000,
		});
		if (!copied.ok)
			throw new Error(`kvmnet could not copy itself to ${folder} on ${where}: ${describeFailure(copied)}`);
	}
	return {argv: ['node', join(folder, 'dist/cli.js')], folder};
}

export interface AgentRun {
	exitCode: number | undefined;
	/** ssh itself failed (the connection, in words): whether the work ended there is not known here. */
	lost?: string;
	/** The journal as the agent last reported it. */
	journal?: Journal;
	/** Whether that journal's guard still ran there when it was reported. */
	guardAlive: boolean;
	/** The matrix a probe there sent (kvmnet probe --events). */
	probe?: ProbeReport;
	/** What the agent said on stderr (its refusals), line by line. */
	errors: string[];
}

export interface AgentHooks {
	onLog?: (line: LogLine) => void;
	onStep?: (index: number, state: StepState) => void;
	/** A line that is no event (text the agent printed): stdout, or stderr. */
	onText?: (stream: 'stdout' | 'stderr', line: string) => void;
	/** Aborted: the agent is asked (a line on its stdin) to stop its apply before the next step and roll back. */
	stop?: AbortSignal;
}

/** Run kvmnet on the host with `args`, reporting its events; resolves when it ends or the connection is lost. */
export async function runAgent(
	runner: Runner,
	agent: Agent,
	args: string[],
	hooks: AgentHooks = {},
): Promise<AgentRun> {
	const requests = new PassThrough();
	const ask = () => requests.write(`${stopRequest}\n`);
	if (hooks.stop?.aborted) ask();
	else hooks.stop?.addEventListener('abort', ask, {once: true});
	const run: AgentRun = {exitCode: undefined, guardAlive: false, errors: []};
	try {
		const result = await runner.run([...agent.argv, ...args], {
			input: requests,
			// The URI this machine names the host by: the host's kvmnet puts it in the commands its messages suggest.
			env: {KVMNET_CALLER_URI: runner.transport.connection.uri},
			// Each step there has its own limit; this only bounds a host that stopped answering altogether.
			timeoutMs: 6 * 60 * 60_000,
			onLine: (stream, line) => {
				if (stream === 'stderr') {
					run.errors.push(line);
					return hooks.onText?.(stream, line);
				}
				const event = parseEvent(line);
				if (!event) hooks.onText?.(stream, line);
				else if ('log' in event) hooks.onLog?.(event.log);
				else if ('step' in event) hooks.onStep?.(event.step, event.state);
				else if ('probe' in event) run.probe = event.probe;
				else {
					run.journal = event.journal;
					run.guardAlive = event.guardAlive;
				}
			},
		});
		run.exitCode = result.exitCode;
		if (result.transportError || (!result.ok && result.exitCode === undefined))
			run.lost = result.transportError ?? describeFailure(result);
	} finally {
		hooks.stop?.removeEventListener('abort', ask);
		requests.end();
	}
	return run;
}

/**
 * Apply `plan` on the host: it goes into the agent's `incoming/` folder there (as the host's own URI sees it), the
 * host's kvmnet checks it and makes it again as for any plan file, and the file is removed once the apply ends (the
 * journal holds the plan as it ran). Throws, before anything ran, when the plan cannot be sent.
 */
export async function applyOnAgent(
	runner: Runner,
	agent: Agent,
	plan: Plan,
	options: {hostUri: string; guardSeconds?: number; hooks?: AgentHooks},
): Promise<AgentRun> {
	const name = `${fileStamp(new Date())}-${fileSafeName(plan.params['name'] || plan.mode)}-${process.pid}.json`;
	const path = join(dirname(dirname(agent.folder)), 'incoming', name);
	try {
		await runner.files.write(path, `${JSON.stringify({...plan, uri: options.hostUri}, null, 2)}\n`);
	} catch (error) {
		throw new Error(`could not send the plan to ${runner.transport.where} (${(error as Error).message})`, {
			cause: error,
		});
	}
	const args = ['apply', path, '--yes', '--events', '-c', options.hostUri];
	if (options.guardSeconds !== undefined) args.push('--guard-seconds', String(options.guardSeconds));
	try {
		return await runAgent(runner, agent, args, options.hooks);
	} finally {
		await runner.files.remove(path).catch(() => undefined);
	}
}

/**
 * `kvmnet confirm` on the host, over a connection opened for it: a change to the host's network is kept only when
 * a new connection gets through, not because an old one survived it.
 */
export function confirmOverNewConnection(runner: Runner, agent: Agent, hooks: AgentHooks = {}): Promise<AgentRun> {
	runner.transport.closeShared?.();
	runner.resetSession();
	return runAgent(runner, agent, ['confirm'], hooks);
}

/** The journals on the host, as `kvmnet undo --list --json` there gives them (each checked for shape). */
export async function listAgentJournals(
	runner: Runner,
	agent: Agent,
): Promise<{journal: Journal; alive: boolean; guardAlive: boolean}[]> {
	let text = '';
	const run = await runAgent(runner, agent, ['undo', '--list', '--json'], {
		onText: (stream, line) => void (stream === 'stdout' && (text += line)),
	});
	if (run.lost) throw new Error(run.lost);
	if (run.exitCode !== 0)
		throw new Error(run.errors.join(' ') || `kvmnet undo --list there ended with ${run.exitCode}`);
	let listed: unknown;
	try {
		listed = JSON.parse(text);
	} catch {
		throw new Error(`kvmnet on ${runner.transport.where} printed no journal list`);
	}
	if (!Array.isArray(listed)) throw new Error(`kvmnet on ${runner.transport.where} printed no journal list`);
	return listed.flatMap((entry: {journal?: unknown; alive?: unknown; guardAlive?: unknown}) =>
		isJournal(entry?.journal)
			? [{journal: entry.journal, alive: entry.alive === true, guardAlive: entry.guardAlive === true}]
			: [],
	);
}
