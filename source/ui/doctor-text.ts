// The doctor's results as text: for `kvmnet doctor` and for the Doctor screen's detail pane. Groups with a
// failure come first; inside a group, failures, then warnings, passes and the checks that do not apply.
import {
	groupTitles,
	isFixable,
	statusOrder,
	type CheckGroup,
	type CheckResult,
	type CheckStatus,
} from '../core/doctor/index.js';
import {visible} from '../core/visible.js';

export const statusLabel: Record<CheckStatus, string> = {fail: 'FAIL', warn: 'WARN', pass: 'ok', 'n/a': 'n/a'};

/** The results grouped, worst group first; each group keeps runChecks' order (worst first). */
export function groupedResults(results: CheckResult[]): {group: CheckGroup; results: CheckResult[]}[] {
	const groups = new Map<CheckGroup, CheckResult[]>();
	for (const result of results) groups.set(result.group, [...(groups.get(result.group) ?? []), result]);
	const worst = (list: CheckResult[]) => Math.min(...list.map((r) => statusOrder[r.status]));
	return [...groups]
		.map(([group, list]) => ({group, results: list}))
		.sort((a, b) => worst(a.results) - worst(b.results));
}

/**
 * One check in full: what was seen, why it matters, the fix and its steps with their undo; `where` says how to apply,
 * and `connect` is the -c the user gave (the commands the hint names must reach the same host).
 */
export function checkLines(result: CheckResult, where: 'cli' | 'screen' = 'cli', connect?: string): string[] {
	const c = connect ? ` -c '${connect}'` : '';
	const lines = [`${statusLabel[result.status]}  ${result.title}`, `  seen: ${result.seen}`];
	if (result.status === 'fail' || result.status === 'warn') lines.push(`  why:  ${result.why}`);
	if (result.fix && result.status !== 'pass' && result.status !== 'n/a') {
		lines.push(`  fix:  ${result.fix.text}`);
		for (const [i, step] of (result.fix.steps ?? []).entries()) {
			lines.push(`    ${i + 1}. ${step.run.join(' ')}${step.input ? ` <<< ${JSON.stringify(step.input.trim())}` : ''}`);
			if (step.undo)
				lines.push(
					`       undo: ${step.undo.join(' ')}${step.undoInput ? ` <<< ${JSON.stringify(step.undoInput.trim())}` : ''}`,
				);
		}
		if (isFixable(result)) {
			lines.push(
				where === 'screen'
					? '  f applies these steps (and can undo them)'
					: `  kvmnet can apply this fix: kvmnet doctor --fix ${result.id}${c} --out DIR, then kvmnet apply DIR/plan.json${c} (or f on the Doctor screen)`,
			);
		}
	}
	// Process, network and interface names come from the host: their control characters are shown, not sent.
	return lines.map((line) => visible(line));
}

export function doctorText(results: CheckResult[], connect?: string): string {
	const out: string[] = [];
	const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
	out.push(
		`kvmnet doctor: ${count('fail')} failed, ${count('warn')} warnings, ${count('pass')} passed, ${count('n/a')} not applicable`,
		'',
	);
	for (const {group, results: list} of groupedResults(results)) {
		out.push(`== ${groupTitles[group]} ==`);
		for (const result of list) out.push(...checkLines(result, 'cli', connect));
		out.push('');
	}
	return out.join('\n');
}
