// A plan as a bash script a person can read, keep and run: set -euo pipefail, one commented block per step,
// files written with quoted heredocs, and each step's undo as a comment beside it.
import type {Plan, PlanStep} from './plan.js';

/** Quote one argument for bash: bare when it is plainly safe, else in single quotes. */
export function shellQuote(word: string): string {
	if (/^[\w@%+=:,./-]+$/.test(word)) return word;
	return `'${word.replace(/'/g, `'\\''`)}'`;
}

export const commandLine = (argv: string[]) => argv.map(shellQuote).join(' ');

function withInput(argv: string[], input: string | undefined): string {
	if (input === undefined) return commandLine(argv);
	// A one-line input (a sysfs value) reads best as printf '%s\n' VALUE; anything else is written exactly.
	const oneLine = /^[^\n]*\n$/.test(input);
	const feed = oneLine ? `printf '%s\\n' ${shellQuote(input.slice(0, -1))}` : `printf '%s' ${shellQuote(input)}`;
	return `${feed} | ${commandLine(argv)}`;
}

function heredocMarker(content: string): string {
	let marker = 'KVMNET_EOF';
	while (content.includes(marker)) marker += '_';
	return marker;
}

function stepBlock(step: PlanStep, index: number): string[] {
	const lines = [`# Step ${index + 1}: ${step.title}`];
	if (step.risk) lines.push(`# RISK: ${step.risk}`);
	lines.push(step.undo ? `# undo: ${withInput(step.undo, step.undoInput)}` : '# undo: nothing to undo');
	for (const file of step.writes ?? []) {
		const marker = heredocMarker(file.content);
		lines.push(`mkdir -p ${shellQuote(file.path.slice(0, file.path.lastIndexOf('/')) || '/')}`, `cat > ${shellQuote(file.path)} <<'${marker}'`, file.content.replace(/\n$/, ''), marker);
	}
	lines.push(withInput(step.run, step.input), '');
	return lines;
}

export function planScript(plan: Plan): string {
	return [
		'#!/usr/bin/env bash',
		`# kvmnet plan: ${plan.mode} ${plan.params['name'] ?? ''}`.trimEnd(),
		`# libvirt: ${plan.uri}`,
		`# host changes via ${plan.manager.kind}: ${plan.manager.reason}`,
		...plan.warnings.map((w) => `# WARNING: ${w}`),
		'# Undo: run the "undo" lines from the last step to the first.',
		'set -euo pipefail',
		'',
		...plan.steps.flatMap(stepBlock),
	].join('\n');
}
