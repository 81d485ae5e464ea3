// Applying a plan: each step is written ahead to the journal (synced) before its files are written and its command
// runs through the runner, with every output line streamed to the log, and its effect checked. On a failure, a stop
// request or a journal that can no longer be written, every step that may have taken effect is undone in reverse.
// A step that was started and never recorded as ended (the process died) counts as possibly done: its check decides
// whether its undo runs. So `kvmnet undo` and the SSH guard (another process) can finish or reverse any apply.
import {
	stepsToUndo,
	type Journal,
	type JournalStatus,
	type JournalStep,
	type LogLine,
	type StepState,
} from '../core/journal.js';
import type {Plan, PlanStep, StepCheck} from '../core/plan.js';
import {commandLine} from '../core/script.js';
import {ensureReserve, newJournal, readJournal, saveJournal} from './journal-store.js';
import type {HostFiles} from './files.js';
import {describeFailure, type Runner} from './runner.js';
import {plural} from '../core/words.js';

export interface ApplyHooks {
	onLog?: (line: LogLine) => void;
	onStep?: (index: number, state: StepState) => void;
	/** Asked before each step and after the last: a reason stops the apply and undoes what was done (a signal, Esc, the guard gone). */
	shouldStop?: () => string | false | undefined;
	/**
	 * Called before the first step when any step touches the SSH interface: starts the guard and resolves once it
	 * answered that it is alive. A rejection stops the apply before anything changed.
	 */
	startGuard?: (journal: Journal) => Promise<void>;
	/** The journal, once it is written and before any step: where this apply is recorded. */
	onJournal?: (journal: Journal) => void;
}

const keepLines = 200;
const now = () => new Date().toISOString();

class Log {
	/** The first journal write that failed, if any. */
	saveError: Error | undefined;

	constructor(
		private readonly journal: Journal,
		private readonly hooks: ApplyHooks,
	) {}

	line(step: number, stream: LogLine['stream'], text: string): void {
		if (step >= 0) {
			const output = this.journal.steps[step]!.output;
			output.push(`${stream === 'stdout' ? '' : `[${stream}] `}${text.slice(0, 2000)}`);
			if (output.length > keepLines) output.splice(0, output.length - keepLines);
		}
		this.hooks.onLog?.({time: now(), step, stream, text});
	}

	/** Record a step's new state; false when the journal could not be written (the caller decides what follows). */
	state(step: number, state: StepState): boolean {
		this.journal.steps[step]!.state = state;
		this.hooks.onStep?.(step, state);
		return this.save();
	}

	save(): boolean {
		try {
			saveJournal(this.journal);
			return true;
		} catch (error) {
			if (!this.saveError) {
				this.saveError = error as Error;
				this.line(-1, 'error', `The journal ${this.journal.path} could not be written: ${(error as Error).message}`);
			}
			return false;
		}
	}
}

/** What a step's files held before, recorded in the journal before anything is written (on the host's side). */
async function backUpFiles(files: HostFiles, step: PlanStep, record: JournalStep): Promise<void> {
	record.files = await Promise.all(
		(step.writes ?? []).map(async (file) => {
			const previous = await files.read(file.path);
			if (previous !== undefined) return {path: file.path, existed: true, previous};
			if (await files.exists(file.path)) throw new Error(`${file.path} exists but cannot be read`);
			return {path: file.path, existed: false};
		}),
	);
}

async function writeFiles(files: HostFiles, step: PlanStep): Promise<void> {
	for (const file of step.writes ?? []) await files.write(file.path, file.content);
}

/**
 * Put a step's files back as they were; safe to repeat, and to run when they were never written. Returns what
 * could not be put back (a rollback goes on regardless).
 */
async function restoreStepFiles(files: HostFiles, record: JournalStep): Promise<string[]> {
	const failed: string[] = [];
	for (const file of [...record.files].reverse()) {
		try {
			if (file.existed) await files.write(file.path, file.previous ?? '');
			else await files.remove(file.path);
		} catch (error) {
			failed.push(
				`${file.path} could not be put back as it was (${(error as Error).message})${file.existed ? '' : ': remove it by hand'}`,
			);
		}
	}
	return failed;
}

/** Run a step's check; undefined when it holds, else what was wrong. */
export async function runCheck(runner: Runner, check: StepCheck): Promise<string | undefined> {
	const result = await runner.run(check.run, {timeoutMs: 15_000});
	if (!result.ok) return `${check.proves}: not so (${describeFailure(result)})`;
	if (check.pattern !== undefined) {
		const matched = new RegExp(check.pattern, 'm').test(result.stdout);
		if (matched === Boolean(check.absent))
			return `${check.proves}: not so (${commandLine(check.run)} printed ${JSON.stringify(result.stdout.trim().slice(0, 200))})`;
	}
	return undefined;
}

async function runStep(
	runner: Runner,
	log: Log,
	index: number,
	argv: string[],
	input: string | undefined,
): Promise<{ok: boolean; message: string; exitCode?: number; uncertain?: true}> {
	log.line(index, 'info', `$ ${commandLine(argv)}${input !== undefined ? `  (input: ${JSON.stringify(input)})` : ''}`);
	const result = await runner.run(argv, {
		...(input === undefined ? {} : {input}),
		timeoutMs: 120_000,
		// Blank lines say nothing (virsh ends each answer with one): a log line "[1] " with nothing after it is noise.
		onLine: (stream, line) => {
			if (line.trim() !== '') log.line(index, stream, line);
		},
	});
	return {
		ok: result.ok,
		message: result.ok ? 'ok' : describeFailure(result),
		...(result.exitCode === undefined ? {} : {exitCode: result.exitCode}),
		// The connection to a remote host failed: whether the command ran there is not known.
		...(result.transportError ? {uncertain: true as const} : {}),
	};
}

/**
 * Undo a journal from its record, later and from another process (`kvmnet undo`, the guard, the TUI at start):
 * the host may have changed since, so every step's check runs first and only what is still in place is undone.
 * Ends `undone` for an apply that had been applied, `rolled-back` for one that had not.
 */
export function undoRecorded(journal: Journal, runner: Runner, hooks: ApplyHooks = {}): Promise<Journal> {
	return rollBack(journal, runner, hooks, {
		checkFirst: true,
		finalStatus: journal.appliedAt ? 'undone' : 'rolled-back',
	});
}

/**
 * Undo every step of the journal that may have taken effect, last first. Journal writes are best effort here: a
 * rollback never stops because the disk is full. In the apply's own rollback, a done step is undone without asking
 * its check (a step whose check failed is undone all the same: its command ran); `checkFirst` asks every step's
 * check first, as for a step that was under way.
 */
export async function rollBack(
	journal: Journal,
	runner: Runner,
	hooks: ApplyHooks = {},
	options: {checkFirst?: boolean; finalStatus?: JournalStatus} = {},
): Promise<Journal> {
	const finalStatus = options.finalStatus ?? 'rolled-back';
	const log = new Log(journal, hooks);
	// What is left is found again by this rollback: an earlier attempt's leftovers may be undone by now.
	journal.leftovers = [];
	// For a remote host, the advice names it: the commands are to be run there, and undo needs its URI.
	const where = runner.remote ? ` on ${runner.transport.where}` : '';
	const again = runner.remote ? ` -c '${journal.plan.uri}'` : '';
	journal.status = 'rolling-back';
	log.save();
	log.line(-1, 'info', 'Undoing the steps that took effect, last first.');
	const restoreFiles = async (step: JournalStep) => {
		for (const problem of await restoreStepFiles(runner.files, step)) {
			journal.leftovers.push(problem);
			log.line(-1, 'error', problem);
		}
	};
	for (const {index, step, certain} of stepsToUndo(journal)) {
		const check = journal.plan.steps[index]?.verify;
		// A failed step's files are put back; a failed command is not undone (it made no change to undo).
		if (step.state === 'failed') {
			await restoreFiles(step);
			continue;
		}
		// A step whose own check failed during the apply is undone whatever its check says now: its command ran.
		const checkedFailed = step.error?.startsWith('check failed') ?? false;
		if (check && !checkedFailed && (!certain || options.checkFirst)) {
			if (!certain)
				log.line(
					index,
					'info',
					`Step ${index + 1} (${step.title}) was ${step.state === 'undoing' ? 'being undone' : 'under way'} when kvmnet stopped: checking whether it took effect.`,
				);
			const wrong = await runCheck(runner, check);
			if (wrong) {
				await restoreFiles(step);
				log.line(
					index,
					'info',
					`${step.state === 'undoing' ? 'Already undone' : certain ? 'Not in place any more' : 'It had not taken effect'} (${wrong}): nothing to undo.`,
				);
				log.state(index, 'undone');
				continue;
			}
		}
		if (step.restoreFilesFirst || !step.undo) await restoreFiles(step);
		if (!step.undo) {
			log.line(index, 'info', 'nothing to undo for this step');
			log.state(index, 'undone');
			continue;
		}
		log.state(index, 'undoing');
		const result = await runStep(runner, log, index, step.undo, step.undoInput);
		if (!step.restoreFilesFirst) await restoreFiles(step);
		if (result.ok) {
			log.state(index, 'undone');
		} else {
			step.error = `${step.error ? `${step.error}; ` : ''}undo failed: ${result.message}`;
			journal.leftovers.push(
				certain || check
					? `Step ${index + 1} (${step.title}) is still in place: run "${commandLine(step.undo)}" by hand${where} (${result.message}), or kvmnet undo${again} later.`
					: `Step ${index + 1} (${step.title}) was under way when kvmnet stopped, and its undo failed (${result.message}): check whether it is in place${where}, and if so run "${commandLine(step.undo)}", or kvmnet undo${again} later.`,
			);
			log.line(index, 'error', `undo failed: ${result.message}`);
			log.state(index, 'undo-failed');
		}
	}
	journal.status = journal.leftovers.length > 0 ? 'rollback-incomplete' : finalStatus;
	log.save();
	log.line(
		-1,
		journal.leftovers.length > 0 ? 'error' : 'info',
		journal.leftovers.length > 0
			? `Could not undo everything:\n${journal.leftovers.join('\n')}`
			: 'Every completed step was undone.',
	);
	return journal;
}

export class JournalUnwritable extends Error {
	override name = 'JournalUnwritable';
}

/**
 * Apply the plan step by step; returns the journal, whose status says how it ended. Throws JournalUnwritable,
 * before anything changed, when the journal cannot be written (read-only or full disk).
 */
export async function applyPlan(
	plan: Plan,
	options: {runner: Runner; journalDir: string; hooks?: ApplyHooks},
): Promise<Journal> {
	const hooks = options.hooks ?? {};
	const journal = newJournal(plan, options.journalDir);
	try {
		ensureReserve(options.journalDir);
		saveJournal(journal);
	} catch (error) {
		throw new JournalUnwritable(
			`the journal cannot be written in ${options.journalDir} (${(error as Error).message}), so nothing was changed: an apply that could not be undone after a crash is not started`,
		);
	}
	hooks.onJournal?.(journal);
	const log = new Log(journal, hooks);
	log.line(
		-1,
		'info',
		`Applying ${plan.mode} ${plan.params['name'] ?? ''}: ${plural(plan.steps.length, 'step')}. Journal: ${journal.path}`,
	);
	const stopAndUndo = (why: string) => {
		journal.reason = why;
		log.line(-1, 'error', why);
		return rollBack(journal, options.runner, hooks);
	};
	if (plan.steps.some((step) => step.touchesSsh) && hooks.startGuard) {
		try {
			await hooks.startGuard(journal);
		} catch (error) {
			return stopAndUndo(`The SSH guard did not start (${(error as Error).message}): nothing was changed.`);
		}
		if (!log.save()) return stopAndUndo('Stopped: the journal could not be written.');
	}
	for (const [index, step] of plan.steps.entries()) {
		const stop = hooks.shouldStop?.();
		if (stop) return stopAndUndo(`${stop}: stopped before step ${index + 1}.`);
		const record = journal.steps[index]!;
		log.line(index, 'info', `▶ Step ${index + 1}/${plan.steps.length}: ${step.title}`);
		try {
			await backUpFiles(options.runner.files, step, record);
		} catch (error) {
			record.error = `could not read ${step.writes?.map((w) => w.path).join(', ')}: ${(error as Error).message}`;
			log.line(index, 'error', record.error);
			log.state(index, 'failed');
			return rollBack(journal, options.runner, hooks);
		}
		// Written ahead: from here on a crash leaves a journal that says this step may have run.
		if (!log.state(index, 'running')) {
			record.state = 'pending';
			return stopAndUndo(`Stopped before step ${index + 1}: the journal could not be written.`);
		}
		try {
			await writeFiles(options.runner.files, step);
		} catch (error) {
			record.error = `could not write ${step.writes?.map((w) => w.path).join(', ')}: ${(error as Error).message}`;
			log.line(index, 'error', record.error);
			log.state(index, 'failed');
			return rollBack(journal, options.runner, hooks);
		}
		const result = await runStep(options.runner, log, index, step.run, step.input);
		if (result.exitCode !== undefined) record.exitCode = result.exitCode;
		if (!result.ok && result.uncertain) {
			// The connection dropped with the command sent: it may have run. It stays "under way", so the rollback (or a
			// later kvmnet undo) checks whether it took effect and undoes it if so, as after a crash.
			record.error = result.message;
			log.line(index, 'error', `Step ${index + 1}: ${result.message}; it may have run on the host.`);
			log.save();
			return rollBack(journal, options.runner, hooks);
		}
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
		if (!log.state(index, 'done'))
			return stopAndUndo(`Stopped after step ${index + 1}: the journal could not be written.`);
	}
	const stop = hooks.shouldStop?.();
	if (stop) return stopAndUndo(`${stop}: stopped after the last step.`);
	journal.status = 'applied';
	journal.appliedAt = now();
	if (!log.save()) {
		journal.status = 'running';
		delete journal.appliedAt;
		return stopAndUndo('Stopped after the last step: the journal could not be written.');
	}
	log.line(
		-1,
		'info',
		plan.steps.length === 1 ? 'The step is done and checked.' : `All ${plan.steps.length} steps done and checked.`,
	);
	return journal;
}

/** Mark a guarded apply as confirmed: the guard then leaves the changes in place. */
export function confirmJournal(journal: Journal): Journal {
	const fresh = readJournal(journal.path);
	fresh.guard = {...(fresh.guard ?? {windowSeconds: 0}), confirmed: true};
	saveJournal(fresh);
	return fresh;
}
