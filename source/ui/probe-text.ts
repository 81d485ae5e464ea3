// The probe's matrix as text: one line per check (what was promised, what was measured, the verdict), then for each
// cell that differs its likely cause and the evidence, so a newcomer sees why and an admin sees the commands.
import {probeCheckWords, probeExitCode, type ProbeReport} from '../core/probe.js';
import {visible} from '../core/visible.js';

const verdict = {pass: 'pass', fail: 'FAIL', skip: 'skip'} as const;

export function probeText(report: ProbeReport): string {
	const lines = [
		`Probe of network ${visible(report.network)} (${report.mode}): ${visible(report.attach)}`,
		...(report.target ? [`guest-outside tries ${visible(report.target)}`] : []),
		'',
		`${'check'.padEnd(18)} ${'promised'.padEnd(9)} ${'measured'.padEnd(9)} result`,
	];
	for (const cell of report.checks)
		lines.push(
			`${cell.id.padEnd(18)} ${cell.expected.padEnd(9)} ${(cell.measured ?? '-').padEnd(9)} ${verdict[cell.result]}`,
		);
	const failed = report.checks.filter((c) => c.result === 'fail');
	for (const cell of failed) {
		lines.push('', `${cell.id}: ${probeCheckWords[cell.id]} — promised ${cell.expected}, measured ${cell.measured}.`);
		if (cell.cause) lines.push(`  likely cause: ${visible(cell.cause)}`);
		for (const line of cell.evidence.split('\n')) lines.push(`  ${visible(line)}`);
	}
	const code = probeExitCode(report);
	lines.push(
		'',
		code === 0
			? 'Every measured cell is what the mode promises.'
			: code === 1
				? `${failed.length} cell${failed.length === 1 ? ' differs' : 's differ'} from what the mode promises.`
				: 'Nothing could be measured.',
	);
	return `${lines.join('\n')}\n`;
}
