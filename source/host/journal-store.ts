// The journal on disk. It is written ahead of every change and synced (file and directory) before the change is
// made, so a crash at any moment leaves a record an undo can trust. A reserve file beside the journals holds back
// disk space: when the disk fills mid-apply, the reserve is given up so the rollback can still record itself.
import {
	closeSync,
	existsSync,
	fsyncSync,
	lstatSync,
	mkdirSync,
	openSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	writeSync,
} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileSafeName, fileStamp, isJournal, type Journal} from '../core/journal.js';
import type {Plan} from '../core/plan.js';
import {processStart} from './lock.js';

const now = () => new Date().toISOString();
/** Space kept back for the rollback's own journal writes (a journal is a few tens of KB). */
const reserveBytes = 1024 * 1024;
const maxJournalBytes = 16 * 1024 * 1024;

function syncDirectory(dir: string): void {
	const fd = openSync(dir, 'r');
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}

function writeSynced(path: string, text: string): void {
	const fd = openSync(path, 'w', 0o600);
	try {
		// On a nearly full disk write(2) writes part and returns its count (only the next write fails with ENOSPC):
		// every byte is written, or the error is thrown, never a cut-off journal renamed over the last good one.
		const bytes = Buffer.from(text);
		for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}

const reservePath = (journalDir: string) => join(journalDir, '.reserve');

/** Keep `reserveBytes` of disk for the journals; throws (ENOSPC, EROFS…) when even that cannot be written. */
export function ensureReserve(journalDir: string): void {
	mkdirSync(journalDir, {recursive: true, mode: 0o700});
	const path = reservePath(journalDir);
	if (existsSync(path) && lstatSync(path).size >= reserveBytes) return;
	try {
		writeSynced(path, '\0'.repeat(reserveBytes));
	} catch (error) {
		rmSync(path, {force: true});
		throw error;
	}
}

function writeJournalFile(journal: Journal): void {
	const temporary = `${journal.path}.tmp-${process.pid}`;
	try {
		writeSynced(temporary, `${JSON.stringify(journal, null, 2)}\n`);
		renameSync(temporary, journal.path);
		syncDirectory(dirname(journal.path));
	} catch (error) {
		rmSync(temporary, {force: true});
		throw error;
	}
}

/**
 * Write the journal atomically and durably (the guard and `kvmnet undo` read it from other processes, maybe after
 * a crash). On a full disk the reserve is given up once and the write made on its space; it still throws ENOSPC
 * then, so the apply stops, but the rollback that follows has room to record itself.
 */
export function saveJournal(journal: Journal): void {
	journal.updatedAt = now();
	mkdirSync(dirname(journal.path), {recursive: true, mode: 0o700});
	try {
		writeJournalFile(journal);
	} catch (error) {
		const reserve = reservePath(dirname(journal.path));
		if ((error as NodeJS.ErrnoException).code !== 'ENOSPC' || !existsSync(reserve)) throw error;
		rmSync(reserve, {force: true});
		writeJournalFile(journal);
		// Recorded, on the reserve's space: the caller is told all the same, so an apply stops and rolls back.
		throw Object.assign(
			new Error(`ENOSPC: the disk of ${dirname(journal.path)} is full (kvmnet's reserve was used to record this)`),
			{code: 'ENOSPC'},
		);
	}
}

/** Read one journal; throws with the file named when it is not a journal kvmnet wrote. */
export function readJournal(path: string): Journal {
	let journal: Journal;
	try {
		const stat = lstatSync(path);
		if (!stat.isFile()) throw new Error('not a regular file');
		if (stat.size > maxJournalBytes) throw new Error(`${stat.size} bytes, more than a journal holds`);
		journal = JSON.parse(readFileSync(path, 'utf8')) as Journal;
	} catch (error) {
		throw new Error(`${path}: ${(error as Error).message}`, {cause: error});
	}
	if (!isJournal(journal)) {
		throw new Error(`${path}: not a kvmnet journal`);
	}
	// The path is where it was found, whatever the file says.
	journal.path = path;
	return journal;
}

export function newJournal(plan: Plan, journalDir: string): Journal {
	const id = `${fileStamp(now())}-${fileSafeName(plan.params['name'] || plan.mode)}-${process.pid}`;
	return {
		id,
		path: join(journalDir, `${id}.json`),
		plan,
		status: 'running',
		startedAt: now(),
		updatedAt: now(),
		pid: process.pid,
		...(processStart(process.pid) ? {pidStarted: processStart(process.pid)!} : {}),
		steps: plan.steps.map((step) => ({
			title: step.title,
			state: 'pending',
			run: step.run,
			...(step.input === undefined ? {} : {input: step.input}),
			...(step.undo ? {undo: step.undo} : {}),
			...(step.undoInput === undefined ? {} : {undoInput: step.undoInput}),
			output: [],
			files: [],
			...(step.restoreFilesFirst ? {restoreFilesFirst: true} : {}),
			...(step.touchesSsh ? {touchesSsh: true} : {}),
		})),
		leftovers: [],
	};
}

export interface JournalList {
	/** Newest first. */
	journals: Journal[];
	/** Files that could not be read, with why: named in a warning, never in the way of the others. */
	unreadable: {path: string; error: string}[];
}

export function listJournals(journalDir: string): JournalList {
	const list: JournalList = {journals: [], unreadable: []};
	if (!existsSync(journalDir)) return list;
	const names = readdirSync(journalDir)
		.filter((name) => name.endsWith('.json'))
		.sort()
		.reverse();
	for (const name of names) {
		try {
			list.journals.push(readJournal(join(journalDir, name)));
		} catch (error) {
			list.unreadable.push({path: join(journalDir, name), error: (error as Error).message});
		}
	}
	// Ids begin with the time, but a journal's own start time is what orders them.
	list.journals.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
	return list;
}
