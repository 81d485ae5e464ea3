// A plan as a bash script a person can read, keep and run: set -euo pipefail, one commented block per step,
// files written with quoted heredocs, and each step's undo as a comment beside it.
import type {Plan, PlanStep} from './plan.js';
import {visible} from './visible.js';
import {parseConnection} from './connection.js';

/**
 * Quote one argument for bash: bare when it is plainly safe, else in single quotes; a word with a control character
 * (a host link named with ESC) in ANSI-C quotes, `$'x\E[2J'`, which bash reads back exactly and a terminal shows
 * as text.
 */
export function shellQuote(word: string): string {
	if (/^[\w@%+=:,./-]+$/.test(word)) return word;
	if (/[\u0000-\u001f\u007f]/.test(word)) {
		return `$'${word.replace(/[\\'\u0000-\u001f\u007f]/g, (c) => (c === '\\' || c === "'" ? `\\${c}` : c === '\x1b' ? '\\E' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}'`;
	}
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
	// Comments hold names from the host: a newline in one would end the comment, a control character reach the terminal.
	const lines = [`# Step ${index + 1}: ${visible(step.title)}`];
	if (step.risk) lines.push(`# RISK: ${visible(step.risk)}`);
	lines.push(step.undo ? `# undo: ${withInput(step.undo, step.undoInput)}` : '# undo: nothing to undo');
	for (const file of step.writes ?? []) {
		const marker = heredocMarker(file.content);
		lines.push(
			`mkdir -p ${shellQuote(file.path.slice(0, file.path.lastIndexOf('/')) || '/')}`,
			`cat > ${shellQuote(file.path)} <<'${marker}'`,
			file.content.replace(/\n$/, ''),
			marker,
		);
	}
	lines.push(withInput(step.run, step.input), '');
	return lines;
}

/** For a plan made for another host: where its commands are meant to run. */
function hostLine(uri: string): string[] {
	let connection;
	try {
		connection = parseConnection(uri);
	} catch {
		return [];
	}
	if (connection.kind !== 'ssh') return [];
	return [
		visible(
			`# For ${connection.label}: run this there, as root (kvmnet apply -c '${uri}' runs it there, with its journal and guard).`,
		),
	];
}

export function planScript(plan: Plan): string {
	return [
		'#!/usr/bin/env bash',
		visible(`# kvmnet plan: ${plan.mode} ${plan.params['name'] ?? ''}`.trimEnd()),
		visible(`# libvirt: ${plan.uri}`),
		...hostLine(plan.uri),
		visible(`# host changes via ${plan.manager.kind}: ${plan.manager.reason}`),
		...plan.warnings.map((w) => visible(`# WARNING: ${w}`)),
		'# Undo: run the "undo" lines from the last step to the first.',
		'set -euo pipefail',
		'',
		...plan.steps.flatMap(stepBlock),
	].join('\n');
}
