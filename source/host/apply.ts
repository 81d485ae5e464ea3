// Applying a plan: each step's files are written (the old content kept), its command run through the runner with
// every output line streamed to the log, and its effect checked. On a failure or a stop request, every completed
// step is undone in reverse. A journal records it all after every step, so `kvmnet undo` and the SSH guard (a
// separate process) can finish or reverse the work even if this process dies.
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import type {Plan, PlanStep, StepCheck} from '../core/plan.js';
import {commandLine} from '../core/script.js';
import {describeFailure, type Runner} from './runner.js';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'undoing' | 'undone' | 'undo-failed';

export type JournalStatus =
	/** Steps are running. */
	| 'running'
	/** Every step done and checked. */
	| 'applied'
	/** Undoing after a failure, a stop, or `kvmnet undo`. */
	| 'rolling-back'
	/** A step failed or was stopped, and every completed step was undone. */
	| 'rolled-back'
	/** Undone by `kvmnet undo` after it had been applied. */
	| 'undone'
	/** Some undo failed: the summary says what is left and how to fix it. */
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
	files: FileBackup[];
	restoreFilesFirst?: boolean;
	touchesSsh?: boolean;
}

export interface Journal {
	id: string;
	path: string;
	plan: Plan;
	status: JournalStatus;
	startedAt: string;
	updatedAt: string;
	/** The applying process, so the guard can tell whether it is still alive. */
	pid: number;
	steps: JournalStep[];
	/** Set when a step touches the SSH interface: the guard undoes everything unless confirmed by the deadline. */
	guard?: {pid?: number; windowSeconds: number; deadline?: string; confirmed?: boolean; actedAt?: string};
	/** What is left to fix by hand when an undo failed. */
	leftovers: string[];
}

export interface LogLine {
	time: string;
	/** The step index, or -1 for lines about the whole apply. */
	step: number;
	stream: 'stdout' | 'stderr' | 'info' | 'error';
	text: string;
}

export interface ApplyHooks {
	onLog?: (line: LogLine) => void;
	onStep?: (index: number, state: StepState) => void;
	/** Asked before each step: true stops the apply and undoes what was done (Ctrl-C, Esc). */
	shouldStop?: () => boolean;
	/** Called once, before the first step that touches the SSH interface (the app starts the guard here). */
	beforeRiskyStep?: (journal: Journal) => Promise<void>;
}

const keepLines = 200;
const now = () => new Date().toISOString();

/** Write the journal atomically (the guard reads it from another process). */
export function saveJournal(journal: Journal): void {
	journal.updatedAt = now();
	mkdirSync(dirname(journal.path), {recursive: true});
	const temporary = `${journal.path}.tmp-${process.pid}`;
	writeFileSync(temporary, `${JSON.stringify(journal, null, 2)}\n`);
	renameSync(temporary, journal.path);
}

export function readJournal(path: string): Journal {
	return JSON.parse(readFileSync(path, 'utf8')) as Journal;
}

export function newJournal(plan: Plan, journalDir: string): Journal {
	const stamp = now().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
	const id = `${stamp}-${plan.params['name'] || plan.mode}-${process.pid}`;
	return {
		id,
		path: join(journalDir, `${id}.json`),
		plan,
		status: 'running',
		startedAt: now(),
		updatedAt: now(),
		pid: process.pid,
		steps: plan.steps.map((step) => ({title: step.title, state: 'pending', run: step.run, ...(step.input === undefined ? {} : {input: step.input}), ...(step.undo ? {undo: step.undo} : {}), ...(step.undoInput === undefined ? {} : {undoInput: step.undoInput}), output: [], files: [], ...(step.restoreFilesFirst ? {restoreFilesFirst: true} : {}), ...(step.touchesSsh ? {touchesSsh: true} : {})})),
		leftovers: [],
	};
}

class Log {
	constructor(
		private readonly journal: Journal,
		private readonly hooks: ApplyHooks,
	) {}

	line(step: number, stream: LogLine['stream'], text: string): void {
		if (step >= 0) {
			const output = this.journal.steps[step]!.output;
			output.push(`${stream === 'stdout' ? '' : `[${stream}] `}${text}`);
			if (output.length > keepLines) output.splice(0, output.length - keepLines);
		}
		this.hooks.onLog?.({time: now(), step, stream, text});
	}

	state(step: number, state: StepState): void {
		this.journal.steps[step]!.state = state;
		this.hooks.onStep?.(step, state);
		saveJournal(this.journal);
	}
}

function writeFiles(step: PlanStep, record: JournalStep): void {
	for (const file of step.writes ?? []) {
		const existed = existsSync(file.path);
		record.files.push(existed ? {path: file.path, existed, previous: readFileSync(file.path, 'utf8')} : {path: file.path, existed});
		mkdirSync(dirname(file.path), {recursive: true});
		writeFileSync(file.path, file.content);
	}
}

function restoreFiles(record: JournalStep): void {
	for (const file of [...record.files].reverse()) {
		if (file.existed) writeFileSync(file.path, file.previous ?? '');
		else rmSync(file.path, {force: true});
	}
}

/** Run a step's check; undefined when it holds, else what was wrong. */
export async function runCheck(runner: Runner, check: StepCheck): Promise<string | undefined> {
	const result = await runner.run(check.run, {timeoutMs: 15_000});
	if (!result.ok) return `${check.proves}: not so (${describeFailure(result)})`;
	if (check.pattern !== undefined) {
		const matched = new RegExp(check.pattern, 'm').test(result.stdout);
		if (matched === Boolean(check.absent)) return `${check.proves}: not so (${commandLine(check.run)} printed ${JSON.stringify(result.stdout.trim().slice(0, 200))})`;
	}
	return undefined;
}

async function runStep(runner: Runner, log: Log, index: number, argv: string[], input: string | undefined): Promise<{ok: boolean; message: string; exitCode?: number}> {
	log.line(index, 'info', `$ ${commandLine(argv)}${input !== undefined ? `  (input: ${JSON.stringify(input)})` : ''}`);
	const result = await runner.run(argv, {...(input === undefined ? {} : {input}), timeoutMs: 120_000, onLine: (stream, line) => log.line(index, stream, line)});
	return {ok: result.ok, message: result.ok ? 'ok' : describeFailure(result), ...(result.exitCode === undefined ? {} : {exitCode: result.exitCode})};
}

/** Undo every completed step of the journal, last first. Used by apply, `kvmnet undo` and the guard. */
export async function rollBack(journal: Journal, runner: Runner, hooks: ApplyHooks = {}, finalStatus: JournalStatus = 'rolled-back'): Promise<Journal> {
	const log = new Log(journal, hooks);
	journal.status = 'rolling-back';
	saveJournal(journal);
	log.line(-1, 'info', 'Undoing the completed steps, last first.');
	for (let index = journal.steps.length - 1; index >= 0; index--) {
		const step = journal.steps[index]!;
		// A failed step's files are put back; a failed command is not undone (it made no change to undo).
		if (step.state === 'failed') {
			restoreFiles(step);
			continue;
		}
		if (step.state !== 'done') continue;
		log.state(index, 'undoing');
		if (step.restoreFilesFirst || !step.undo) restoreFiles(step);
		if (!step.undo) {
			log.line(index, 'info', 'nothing to undo for this step');
			log.state(index, 'undone');
			continue;
		}
		const result = await runStep(runner, log, index, step.undo, step.undoInput);
		if (!step.restoreFilesFirst) restoreFiles(step);
		if (result.ok) {
			log.state(index, 'undone');
		} else {
			step.error = `${step.error ? `${step.error}; ` : ''}undo failed: ${result.message}`;
			journal.leftovers.push(`Step ${index + 1} (${step.title}) is still in place: run "${commandLine(step.undo)}" by hand (${result.message}).`);
			log.line(index, 'error', `undo failed: ${result.message}`);
			log.state(index, 'undo-failed');
		}
	}
	journal.status = journal.leftovers.length > 0 ? 'rollback-incomplete' : finalStatus;
	saveJournal(journal);
	log.line(-1, journal.leftovers.length > 0 ? 'error' : 'info', journal.leftovers.length > 0 ? `Could not undo everything:\n${journal.leftovers.join('\n')}` : 'Every completed step was undone.');
	return journal;
}

/** Apply the plan step by step; returns the journal, whose status says how it ended. */
export async function applyPlan(plan: Plan, options: {runner: Runner; journalDir: string; hooks?: ApplyHooks}): Promise<Journal> {
	const hooks = options.hooks ?? {};
	const journal = newJournal(plan, options.journalDir);
	const log = new Log(journal, hooks);
	saveJournal(journal);
	log.line(-1, 'info', `Applying ${plan.mode} ${plan.params['name'] ?? ''}: ${plan.steps.length} steps. Journal: ${journal.path}`);
	let guardStarted = false;
	for (const [index, step] of plan.steps.entries()) {
		if (hooks.shouldStop?.()) {
			log.line(-1, 'error', 'Stopped before step ' + (index + 1) + '.');
			return rollBack(journal, options.runner, hooks);
		}
		if (step.touchesSsh && !guardStarted && hooks.beforeRiskyStep) {
			guardStarted = true;
			await hooks.beforeRiskyStep(journal);
			saveJournal(journal);
		}
		const record = journal.steps[index]!;
		log.line(index, 'info', `▶ Step ${index + 1}/${plan.steps.length}: ${step.title}`);
		log.state(index, 'running');
		try {
			writeFiles(step, record);
		} catch (error) {
			record.error = `could not write ${step.writes?.map((w) => w.path).join(', ')}: ${(error as Error).message}`;
			log.line(index, 'error', record.error);
			log.state(index, 'failed');
			return rollBack(journal, options.runner, hooks);
		}
		const result = await runStep(options.runner, log, index, step.run, step.input);
		if (result.exitCode !== undefined) record.exitCode = result.exitCode;
		if (!result.ok) {
			record.error = result.message;
			log.line(index, 'error', `Step ${index + 1} failed: ${result.message}`);
			log.state(index, 'failed');
			return rollBack(journal, options.runner, hooks);
		}
		if (step.verify) {
			const wrong = await runCheck(options.runner, step.verify);
			if (wrong) {
				// The command ran, so its undo runs too: the check says its effect is not what it should be.
				record.error = `check failed: ${wrong}`;
				log.line(index, 'error', `Step ${index + 1}: ${record.error}`);
				log.state(index, 'done');
				return rollBack(journal, options.runner, hooks);
			}
			log.line(index, 'info', `✓ ${step.verify.proves}`);
		}
		log.state(index, 'done');
	}
	journal.status = 'applied';
	saveJournal(journal);
	log.line(-1, 'info', `All ${plan.steps.length} steps done and checked.`);
	return journal;
}

/** Journals in `journalDir`, newest first. */
export function listJournals(journalDir: string): Journal[] {
	if (!existsSync(journalDir)) return [];
	return readdirSync(journalDir)
		.filter((name) => name.endsWith('.json'))
		.sort()
		.reverse()
		.map((name) => readJournal(join(journalDir, name)));
}

/** Mark a guarded apply as confirmed: the guard then leaves the changes in place. */
export function confirmJournal(journal: Journal): Journal {
	const fresh = readJournal(journal.path);
	fresh.guard = {...(fresh.guard ?? {windowSeconds: 0}), confirmed: true};
	saveJournal(fresh);
	return fresh;
}
