// `kvmnet apply`, `undo`, `confirm` and `guard` without the TUI: the same engine, its log streamed to stdout.
import {readFileSync} from 'node:fs';
import {createInterface} from 'node:readline/promises';
import type {CliArgs} from './args.js';
import type {Plan} from './core/plan.js';
import {visible} from './core/visible.js';
import {applyPlan, confirmJournal, listJournals, rollBack, type Journal, type LogLine} from './host/apply.js';
import {armDeadline, defaultGuardSeconds, runGuard, startGuard} from './host/guard.js';
import {loadHost} from './host/load-host.js';
import {journalDirectory} from './host/plan-files.js';
import {preflight} from './host/preflight.js';
import {Runner} from './host/runner.js';

const printLine = (line: LogLine) => {
	const prefix = line.step >= 0 ? `[${line.step + 1}] ` : '';
	const text = line.stream === 'stderr' || line.stream === 'error' ? `${line.stream}: ${line.text}` : line.text;
	// A command's output can hold anything the host has (names with ESC or BEL): shown, not sent to the terminal.
	process.stdout.write(`${line.time.slice(11, 23)} ${prefix}${visible(text)}\n`);
};

/** 0 applied or undone as asked; 1 rolled back after a failure; 3 an undo failed and something is left. */
const exitCodeOf = (journal: Journal) => (journal.status === 'applied' || journal.status === 'undone' ? 0 : journal.status === 'rollback-incomplete' ? 3 : 1);

/** This program's own argv, for starting the guard (node and the CLI script). */
const selfCommand = () => [process.execPath, process.argv[1]!];

function readPlan(file: string): Plan {
	let plan: Plan;
	try {
		plan = JSON.parse(readFileSync(file, 'utf8')) as Plan;
	} catch (error) {
		throw new Error(`cannot read the plan ${file}: ${(error as Error).message}`);
	}
	if (plan.version !== 1 || !Array.isArray(plan.steps) || typeof plan.mode !== 'string') throw new Error(`${file} is not a kvmnet plan (save one with kvmnet plan --out DIR, or s in the preview)`);
	return plan;
}

async function ask(question: string): Promise<boolean> {
	const rl = createInterface({input: process.stdin, output: process.stdout});
	const answer = await rl.question(question);
	rl.close();
	return /^y(es)?$/i.test(answer.trim());
}

export async function runApply(args: CliArgs): Promise<number> {
	const plan = readPlan(args.file!);
	const runner = new Runner();
	const host = await loadHost({connect: plan.uri});
	const problems = await preflight(plan, host, runner);
	if (problems.length > 0) {
		for (const problem of problems) process.stderr.write(`kvmnet: ${visible(problem)}\n`);
		process.stderr.write('kvmnet: nothing was changed.\n');
		return 2;
	}
	const risky = plan.steps.filter((s) => s.touchesSsh).length;
	if (!args.yes) {
		if (!process.stdin.isTTY) {
			process.stderr.write('kvmnet: apply asks before changing the host; pass --yes when not on a terminal.\n');
			return 2;
		}
		process.stdout.write(`${plan.steps.map((s, i) => `  ${i + 1}. ${visible(s.title)}`).join('\n')}\n`);
		if (risky > 0) process.stdout.write(`${risky} step(s) change the interface that carries your SSH session; a guard undoes them unless you confirm.\n`);
		if (!(await ask(`Apply these ${plan.steps.length} steps? [y/N] `))) {
			process.stdout.write('Nothing was changed.\n');
			return 0;
		}
	}
	const seconds = args.guardSeconds ?? defaultGuardSeconds;
	let stop = false;
	process.once('SIGINT', () => {
		stop = true;
		process.stdout.write('Stopping: the completed steps will be undone.\n');
	});
	const journal = await applyPlan(plan, {
		runner,
		journalDir: journalDirectory(),
		hooks: {
			onLog: printLine,
			shouldStop: () => stop,
			beforeRiskyStep: async (j) => {
				const pid = startGuard(j, selfCommand(), seconds);
				printLine({time: new Date().toISOString(), step: -1, stream: 'info', text: `Guard started (pid ${pid}): it undoes this apply if you lose the connection or do not confirm within ${seconds} s after it ends.`});
			},
		},
	});
	if (journal.status === 'applied' && journal.guard) {
		armDeadline(journal);
		if (process.stdin.isTTY && !args.yes) {
			const keep = await ask(`Do you still reach this host? Keep the changes? [y/N] (undone in ${seconds} s otherwise) `);
			if (keep) {
				confirmJournal(journal);
				process.stdout.write('Confirmed: the changes stay.\n');
			} else process.stdout.write('Not confirmed: the guard undoes the changes when the time runs out.\n');
		} else {
			process.stdout.write(`Run "kvmnet confirm" within ${seconds} s (from a new SSH session if this one hangs) to keep the changes; otherwise the guard undoes them.\n`);
		}
	}
	return exitCodeOf(journal);
}

export async function runUndo(): Promise<number> {
	const last = listJournals(journalDirectory()).find((j) => j.status === 'applied');
	if (!last) {
		process.stderr.write(`kvmnet: there is no applied plan to undo (journals in ${journalDirectory()})\n`);
		return 2;
	}
	process.stdout.write(`Undoing ${last.plan.mode} ${last.plan.params['name'] ?? ''} (applied ${last.startedAt}).\n`);
	const journal = await rollBack(last, new Runner(), {onLog: printLine}, 'undone');
	return exitCodeOf(journal);
}

export async function runConfirm(): Promise<number> {
	const waiting = listJournals(journalDirectory()).find((j) => j.status === 'applied' && j.guard && !j.guard.confirmed);
	if (!waiting) {
		process.stderr.write('kvmnet: no apply is waiting for confirmation\n');
		return 2;
	}
	confirmJournal(waiting);
	process.stdout.write(`Confirmed: ${waiting.plan.mode} ${waiting.plan.params['name'] ?? ''} stays applied.\n`);
	return 0;
}

export async function runGuardProcess(args: CliArgs): Promise<number> {
	const outcome = await runGuard(args.file!, new Runner());
	process.stdout.write(`${new Date().toISOString()} guard: ${outcome}\n`);
	return 0;
}
