// One apply, undo or guard rollback at a time per host: a lock file in the state directory, created atomically
// (link(2) fails if it exists) and naming its holder. A holder that died (SIGKILL, power loss) leaves its file;
// the next taker sees its pid gone, or reused by another process (the start time differs), and takes the lock.
import {linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

export interface LockHolder {
	pid: number;
	/** The process's start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused pid apart. */
	started?: string;
	/** What it is doing, for the refusal message: "apply nat lab (journal …)". */
	doing: string;
	since: string;
}

/** A process's start time, or undefined when it does not exist. */
export function processStart(pid: number): string | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
	} catch {
		return undefined;
	}
}

export function processAlive(pid: number, started?: string): boolean {
	const now = processStart(pid);
	if (now === undefined) {
		try {
			process.kill(pid, 0);
			return true;
		} catch (error) {
			return (error as NodeJS.ErrnoException).code === 'EPERM';
		}
	}
	return started === undefined || now === started;
}

export class LockRefused extends Error {
	override name = 'LockRefused';
	constructor(readonly holder: LockHolder | undefined) {
		super(
			holder
				? `another kvmnet is changing this host: pid ${holder.pid}, ${holder.doing}, since ${holder.since}`
				: 'another kvmnet is changing this host (its lock file cannot be read)',
		);
	}
}

export interface Lock {
	release(): void;
}

const lockPath = (stateDir: string) => join(stateDir, 'lock');

function readHolder(path: string): LockHolder | undefined {
	try {
		const holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
		return typeof holder.pid === 'number' ? holder : undefined;
	} catch {
		return undefined;
	}
}

/** Take the host's lock for `doing`, or throw LockRefused naming the live holder. */
export function acquireLock(stateDir: string, doing: string): Lock {
	mkdirSync(stateDir, {recursive: true, mode: 0o700});
	const path = lockPath(stateDir);
	const mine = (what: string): LockHolder => ({
		pid: process.pid,
		...(processStart(process.pid) ? {started: processStart(process.pid)!} : {}),
		doing: what,
		since: new Date().toISOString(),
	});
	const temporary = `${path}.${process.pid}`;
	writeFileSync(temporary, `${JSON.stringify(mine(doing))}\n`);
	try {
		for (let attempt = 0; ; attempt++) {
			try {
				linkSync(temporary, path);
				break;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
				const holder = readHolder(path);
				if (holder && holder.pid !== process.pid && processAlive(holder.pid, holder.started))
					throw new LockRefused(holder);
				// A lock being written this instant reads as empty: give it a moment before calling it stale.
				if (holder === undefined && attempt === 0) {
					Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
					continue;
				}
				if (attempt >= 3) throw new LockRefused(holder);
				// Taking over a dead holder's lock: moved aside first (one taker wins the rename), then read again, for
				// another taker may have put a live lock there since it was read.
				const stale = `${path}.stale-${process.pid}`;
				try {
					renameSync(path, stale);
				} catch {
					continue;
				}
				const moved = readHolder(stale);
				if (moved && moved.pid !== process.pid && processAlive(moved.pid, moved.started)) {
					try {
						linkSync(stale, path);
					} finally {
						rmSync(stale, {force: true});
					}
					throw new LockRefused(moved);
				}
				rmSync(stale, {force: true});
			}
		}
	} finally {
		rmSync(temporary, {force: true});
	}
	return {
		release() {
			if (readHolder(path)?.pid === process.pid) rmSync(path, {force: true});
		},
	};
}

/** Who holds the lock now, if anyone alive does. */
export function lockHolder(stateDir: string): LockHolder | undefined {
	const holder = readHolder(lockPath(stateDir));
	return holder && processAlive(holder.pid, holder.started) ? holder : undefined;
}
