// Where kvmnet keeps its files ($KVMNET_STATE_DIR, else /var/lib/kvmnet as root, else $XDG_STATE_HOME/kvmnet),
// and saving a plan as plan.json, plan.sh and its XML files: all of them or, with a message saying why, none.
import {chmod, lstat, mkdir, rename, rm, rmdir, stat, writeFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import {join, resolve, sep} from 'node:path';
import type {Plan} from '../core/plan.js';
import {fileSafeName, fileStamp} from '../core/journal.js';
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
	return join(stateDirectory(env), 'plans', `${fileSafeName(name || 'plan')}-${fileStamp(now)}`);
}

/** A directory for a plan's files could not be made or written: the message names the path and why. */
export class SaveError extends Error {
	override name = 'SaveError';
}

/** Why a file system call failed, in words. */
function why(error: unknown, path: string): string {
	const code = (error as NodeJS.ErrnoException).code;
	switch (code) {
		case 'ENOENT':
			// Only asked where the directory above exists: procfs (and a few others) answer ENOENT for any new name.
			return 'this file system does not allow new files here (like /proc)';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		case 'EROFS':
			return 'the file system is read-only';
		case 'ENOTDIR':
		case 'EEXIST':
			return `${path} exists and is not a directory`;
		case 'EISDIR':
			return `${path} is a directory`;
		case 'ENOSPC':
			return 'no space left on the device';
		case 'EDQUOT':
			return 'disk quota exceeded';
		case 'ENAMETOOLONG':
			return 'the name is too long';
		case 'ELOOP':
			return 'too many levels of symbolic links';
		default:
			return (error as Error).message;
	}
}

export interface PreparedDirectory {
	path: string;
	/** The directories that were created for it, outermost first. */
	created: string[];
	/** Remove the directories created for it (when nothing is saved after all); only empty ones go. */
	discard(): Promise<void>;
}

/**
 * Make `dir` ready for files: each missing level is created on its own, then a probe file is written and removed.
 * Not mkdir({recursive: true}): on Node 20 it never returns where a file system answers ENOENT under a directory
 * that exists, as /proc does (it creates the parent again, gets EEXIST, and retries the child forever; measured
 * with `--out /proc/x`, and see nodejs/node#27198 for the same loop on Windows).
 */
export async function prepareDirectory(dir: string): Promise<PreparedDirectory> {
	const target = resolve(dir);
	const created: string[] = [];
	const discard = async () => {
		for (const path of [...created].reverse()) await rmdir(path).catch(() => undefined);
	};
	let current: string = sep;
	for (const part of target.split(sep).filter(Boolean)) {
		current = join(current, part);
		const found = await stat(current).catch((error: NodeJS.ErrnoException) => error);
		if (!(found instanceof Error)) {
			if (found.isDirectory()) continue;
			await discard();
			throw new SaveError(`cannot use ${target}: ${current} exists and is not a directory`);
		}
		if (found.code !== 'ENOENT') {
			await discard();
			throw new SaveError(`cannot use ${target}: ${current}: ${why(found, current)}`);
		}
		try {
			await mkdir(current);
			created.push(current);
		} catch (error) {
			await discard();
			// EEXIST after stat said ENOENT: a symbolic link to nothing.
			const reason =
				(error as NodeJS.ErrnoException).code === 'EEXIST'
					? `${current} is a symbolic link to something that does not exist`
					: why(error, current);
			throw new SaveError(`cannot create the directory ${current}: ${reason}`);
		}
	}
	const probe = join(target, `.kvmnet-write-test-${process.pid}`);
	try {
		await writeFile(probe, '', {flag: 'wx'});
		await rm(probe, {force: true});
	} catch (error) {
		await discard();
		throw new SaveError(`cannot write in ${target}: ${why(error, target)}`);
	}
	return {path: target, created, discard};
}

/**
 * Write the plan, its script and its XML files to `dir`; returns the paths written. Each file is written under a
 * temporary name first and renamed once all are written, so a failure (disk full…) leaves no half plan: the
 * temporary files and any directory made for them are removed, and a SaveError says what failed.
 */
export async function savePlan(plan: Plan, dir: string): Promise<string[]> {
	const prepared = await prepareDirectory(dir);
	const files: [string, string][] = [
		['plan.json', `${JSON.stringify(plan, null, 2)}\n`],
		['plan.sh', `${planScript(plan)}\n`],
	];
	// A doctor's fix has no XML.
	if (plan.interfaceXml) files.push(['interface.xml', `${plan.interfaceXml}\n`]);
	if (plan.networkXml) files.push([`network-${plan.params['name'] ?? 'network'}.xml`, `${plan.networkXml}\n`]);
	const temporary = (name: string) => join(dir, `.${name}.kvmnet-${process.pid}`);
	const written: string[] = [];
	let failing = '';
	try {
		for (const [name, content] of files) {
			failing = join(dir, name);
			await writeFile(temporary(name), content);
		}
		failing = join(dir, 'plan.sh');
		await chmod(temporary('plan.sh'), 0o755);
		// A directory in the way would fail its rename after the others were done: refused before any.
		for (const [name] of files) {
			failing = join(dir, name);
			if ((await lstat(failing).catch(() => undefined))?.isDirectory())
				throw Object.assign(new Error('is a directory'), {code: 'EISDIR'});
		}
		for (const [name] of files) {
			failing = join(dir, name);
			await rename(temporary(name), join(dir, name));
			written.push(join(dir, name));
		}
	} catch (error) {
		await Promise.all(files.map(([name]) => rm(temporary(name), {force: true}).catch(() => undefined)));
		await prepared.discard();
		throw new SaveError(`cannot write ${failing}: ${why(error, failing)}`);
	}
	return written;
}
