// What an apply records about itself, as plain data: the write-ahead journal's shape and the pure rules read from
// it (which journals still need undoing, what an undo would do, a safe file name). The host layer writes and reads
// the files; the apply engine, `kvmnet undo`, the guard and the apply screen all read these types.
import type {Plan} from './plan.js';
import {plural} from './words.js';

/** Seconds to confirm a change to the SSH session's path before the guard undoes it (`--guard-seconds`). */
export const defaultGuardSeconds = 60;

export type StepState =
	| 'pending'
	/** Started and not known to have ended: the command may or may not have taken effect (write-ahead). */
	| 'running'
	| 'done'
	| 'failed'
	/** Its undo started and is not known to have ended. */
	| 'undoing'
	| 'undone'
	| 'undo-failed';

export type JournalStatus =
	/** Steps are running (or were, when the process died). */
	| 'running'
	/** Every step done and checked. */
	| 'applied'
	/** Undoing after a failure, a stop, or `kvmnet undo` (or was, when the process died). */
	| 'rolling-back'
	/** A step failed or was stopped, and every completed step was undone. */
	| 'rolled-back'
	/** Undone by `kvmnet undo` or the guard after it had been applied. */
	| 'undone'
	/** Some undo failed: the leftovers say what is left and how to fix it. */
	| 'rollback-incomplete';

export interface FileBackup {
	path: string;
	existed: boolean;
	previous?: string;
}

export interface JournalStep {
	title: string;
	state: StepState;
	run: string[];
	input?: string;
	undo?: string[];
	undoInput?: string;
	/** Output lines of the command, its check and its undo (the last 200). */
	output: string[];
	exitCode?: number;
	error?: string;
	/** Recorded (and synced) before the files are written, so an undo can put them back after any crash. */
	files: FileBackup[];
	restoreFilesFirst?: boolean;
	touchesSsh?: boolean;
}

export interface GuardRecord {
	pid?: number;
	windowSeconds: number;
	deadline?: string;
	confirmed?: boolean;
	actedAt?: string;
}

export interface Journal {
	/** A file-name-safe id: time, plan name, pid. */
	id: string;
	path: string;
	/** The plan as rebuilt by kvmnet from its validated parameters (never steps read from a file). */
	plan: Plan;
	status: JournalStatus;
	startedAt: string;
	updatedAt: string;
	/** The applying process, so the guard and `kvmnet undo` can tell whether it is still alive. */
	pid: number;
	/** Its start time (/proc/PID/stat), so a reused pid is not taken for it. */
	pidStarted?: string;
	steps: JournalStep[];
	/** Set when a step touches the SSH interface: the guard undoes everything unless confirmed by the deadline. */
	guard?: GuardRecord;
	/** What is left to fix by hand when an undo failed. */
	leftovers: string[];
	/** Why the apply stopped before its end, when it did (a signal, the guard gone, the disk full). */
	reason?: string;
	/** When every step was done and checked: an undo after that ends `undone`, whatever stopped it half-way. */
	appliedAt?: string;
}

export interface LogLine {
	time: string;
	/** The step index, or -1 for lines about the whole apply. */
	step: number;
	stream: 'stdout' | 'stderr' | 'info' | 'error';
	text: string;
}

/** Whether a value read from a file, or from kvmnet on another host, has a journal's shape (its id, status, steps, plan). */
export function isJournal(value: unknown): value is Journal {
	if (typeof value !== 'object' || value === null) return false;
	const journal = value as Partial<Journal>;
	return (
		typeof journal.id === 'string' &&
		typeof journal.status === 'string' &&
		Array.isArray(journal.steps) &&
		typeof journal.plan === 'object' &&
		journal.plan !== null
	);
}

/** Journals that still hold changes on the host, or may: the ones `kvmnet undo` picks from. */
export const unfinishedStatuses: readonly JournalStatus[] = [
	'running',
	'rolling-back',
	'applied',
	'rollback-incomplete',
];

export const needsUndo = (journal: Pick<Journal, 'status'>) => unfinishedStatuses.includes(journal.status);

/** Steps whose effect may be on the host, last first: what an undo goes through. */
export function stepsToUndo(journal: Pick<Journal, 'steps'>): {index: number; step: JournalStep; certain: boolean}[] {
	const found: {index: number; step: JournalStep; certain: boolean}[] = [];
	for (let index = journal.steps.length - 1; index >= 0; index--) {
		const step = journal.steps[index]!;
		if (step.state === 'done' || step.state === 'undo-failed') found.push({index, step, certain: true});
		// Started but never recorded as ended: it may have taken effect (its check decides), or its files may be written.
		else if (step.state === 'running' || step.state === 'undoing') found.push({index, step, certain: false});
		else if (step.state === 'failed' && step.files.length > 0) found.push({index, step, certain: true});
	}
	return found;
}

/** A plan name as a file-name part: letters, digits, `.`, `_`, `-` only, never `.` or `..`, at most 40 characters. */
export function fileSafeName(name: string): string {
	const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
	return /^\.*$/.test(safe) ? 'plan' : safe;
}

/** A time as a file-name part, YYYYMMDD-HHMMSS (UTC): names sort by it. */
export const fileStamp = (time: Date | string) =>
	(typeof time === 'string' ? time : time.toISOString()).replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/**
 * An apply or undo cut off half-way: still running or rolling back by its journal, with neither its process nor its
 * guard alive (whichever host they ran on says which is). The one kind the app offers to undo at start: applied
 * journals stay until undone on purpose.
 */
export const leftHalfWay = (journal: Journal, running: {alive: boolean; guardAlive: boolean}) =>
	needsUndo(journal) &&
	(journal.status === 'running' || journal.status === 'rolling-back') &&
	!running.alive &&
	!running.guardAlive;

/** One line naming a journal for a person: which plan, when, and how it stands. */
export function describeJournal(journal: Journal, options: {alive?: boolean} = {}): string {
	// In place, or maybe: done, an undo that failed, or under way when it stopped.
	const done = journal.steps.filter((s) => s.state === 'done' || s.state === 'undo-failed').length;
	const running = journal.steps.findIndex((s) => s.state === 'running' || s.state === 'undoing');
	const where =
		options.alive && (journal.status === 'running' || journal.status === 'rolling-back')
			? `, under way now in pid ${journal.pid}`
			: running >= 0
				? `, interrupted at step ${running + 1} of ${journal.steps.length}`
				: `, ${done} of ${plural(journal.steps.length, 'step')} in place`;
	return `${journal.id}: ${journal.plan.mode} ${journal.plan.params['name'] ?? ''} (${journal.status}${journal.status === 'applied' || journal.status === 'undone' || journal.status === 'rolled-back' ? '' : where}), started ${journal.startedAt}`;
}

/**
 * VMs that use what undoing the journal would remove (its libvirt network, or its bridge) through an interface
 * the plan did not add itself: undoing would leave them without their network, so `kvmnet undo` asks for --force.
 */
export function vmsUsingWhatUndoRemoves(
	journal: Pick<Journal, 'plan' | 'steps'>,
	vms: readonly {name: string; interfaces: readonly {type: string; source?: string; mac?: string}[]}[],
): string[] {
	const plan = journal.plan;
	const network = plan.networkXml ? plan.params['name'] : undefined;
	const bridge = plan.params['bridge'];
	// The interfaces the plan attached carry a MAC of its own choosing, in the file each attach step wrote.
	const ownMacs = new Set(
		plan.steps
			.flatMap((step) => step.writes ?? [])
			.flatMap((file) =>
				[...file.content.matchAll(/<mac address=['"]([0-9a-fA-F:]{17})['"]/g)].map((m) => m[1]!.toLowerCase()),
			),
	);
	return vms
		.filter((vm) =>
			vm.interfaces.some(
				(nic) =>
					!ownMacs.has((nic.mac ?? '').toLowerCase()) &&
					((network !== undefined && nic.type === 'network' && nic.source === network) ||
						(bridge !== undefined && nic.type === 'bridge' && nic.source === bridge)),
			),
		)
		.map((vm) => vm.name);
}
