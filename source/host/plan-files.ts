// Where kvmnet keeps its files ($KVMNET_STATE_DIR, else /var/lib/kvmnet as root, else $XDG_STATE_HOME/kvmnet),
// and saving a plan as plan.json, plan.sh and its XML files.
import {chmod, mkdir, writeFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import {join} from 'node:path';
import type {Plan} from '../core/plan.js';
import {fileSafeName} from '../core/journal.js';
import {planScript} from '../core/script.js';

export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
	if (env['KVMNET_STATE_DIR']) return env['KVMNET_STATE_DIR'];
	if (process.getuid?.() === 0) return '/var/lib/kvmnet';
	return join(env['XDG_STATE_HOME'] || join(homedir(), '.local/state'), 'kvmnet');
}

/** Where apply journals go (one JSON file per apply, read by `kvmnet undo` and the guard). */
export const journalDirectory = (env: NodeJS.ProcessEnv = process.env) => join(stateDirectory(env), 'journals');

/** A new folder name for a plan's files: plans/NAME-YYYYMMDD-HHMMSS under the state directory. */
export function planDirectory(name: string, now = new Date(), env: NodeJS.ProcessEnv = process.env): string {
	const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
	return join(stateDirectory(env), 'plans', `${fileSafeName(name || 'plan')}-${stamp}`);
}

/** Write the plan, its script and its XML files to `dir`; returns the paths written. */
export async function savePlan(plan: Plan, dir: string): Promise<string[]> {
	await mkdir(dir, {recursive: true});
	const files: [string, string][] = [
		['plan.json', `${JSON.stringify(plan, null, 2)}\n`],
		['plan.sh', `${planScript(plan)}\n`],
	];
	// A doctor's fix has no XML.
	if (plan.interfaceXml) files.push(['interface.xml', `${plan.interfaceXml}\n`]);
	if (plan.networkXml) files.push([`network-${plan.params['name'] ?? 'network'}.xml`, `${plan.networkXml}\n`]);
	const written: string[] = [];
	for (const [name, content] of files) {
		const path = join(dir, name);
		await writeFile(path, content);
		written.push(path);
	}
	await chmod(join(dir, 'plan.sh'), 0o755);
	return written;
}
