// The preview of a plan as text sections: the same words in the TUI's preview tabs and `kvmnet plan`.
import type {Plan} from '../core/plan.js';
import {commandLine} from '../core/script.js';
import {visible} from '../core/visible.js';

export interface PreviewSection {
	id: 'network' | 'interface' | 'commands' | 'warnings';
	title: string;
	lines: string[];
}

export function previewSections(plan: Plan): PreviewSection[] {
	const commands = plan.steps.flatMap((step, i) => [
		`${i + 1}. ${step.title}`,
		...(step.writes ?? []).map((w) => `   writes ${w.path}`),
		`   run:  ${commandLine(step.run)}${step.input !== undefined ? `  (input: ${JSON.stringify(step.input)})` : ''}`,
		`   undo: ${step.undo ? `${commandLine(step.undo)}${step.undoInput !== undefined ? `  (input: ${JSON.stringify(step.undoInput)})` : ''}` : 'nothing to undo'}`,
		...(step.risk ? [`   ⚠ ${step.risk}`] : []),
		'',
	]);
	// A doctor's fix (host settings only) has neither a network nor a VM interface: said, not shown empty.
	const hostOnly = !plan.networkXml && !plan.interfaceXml.trim();
	const sections: PreviewSection[] = [
		{
			id: 'network',
			title: 'Network XML',
			lines: plan.networkXml
				? plan.networkXml.split('\n')
				: [
						hostOnly
							? 'This plan changes host settings only: no libvirt network is defined or changed.'
							: 'This mode uses no libvirt network: the VM gets the device directly (see the VM interface).',
					],
		},
		{
			id: 'interface',
			title: 'VM interface',
			lines: hostOnly
				? ['No VM interface: the VMs keep theirs.']
				: [
						'<!-- add to a VM with: virsh attach-device VM FILE --config, or virsh edit VM -->',
						...plan.interfaceXml.split('\n'),
					],
		},
		{
			id: 'commands',
			title: `Commands (${plan.steps.length})`,
			lines: [`Host changes use ${plan.manager.kind}: ${plan.manager.reason}.`, '', ...commands],
		},
		{
			id: 'warnings',
			title: `Warnings (${plan.warnings.length})`,
			lines: plan.warnings.length > 0 ? plan.warnings.flatMap((w) => [`⚠ ${w}`, '']) : ['None.'],
		},
	];
	// A VM's name or an uplink's comes from the host: shown with its control characters visible (the plan keeps it exact).
	return sections.map((section) => ({...section, lines: section.lines.map((line) => visible(line))}));
}

export function previewText(plan: Plan): string {
	return previewSections(plan)
		.map((section) => [`== ${section.title} ==`, ...section.lines, ''].join('\n'))
		.join('\n');
}

/**
 * Wrap lines to `width`, continuing a long line under itself, indented, so no command is cut off. With `atSpaces`
 * (prose), a line breaks at the last space that fits; otherwise (commands) exactly at the width.
 */
export function wrapLines(lines: string[], width: number, atSpaces = false): string[] {
	const out: string[] = [];
	for (const line of lines) {
		if (line.length <= width) {
			out.push(line);
			continue;
		}
		const indent = ' '.repeat(Math.min((/^\s*/.exec(line)?.[0].length ?? 0) + 6, Math.floor(width / 2)));
		let rest = line;
		let first = true;
		while (rest.length > 0) {
			const room = first ? width : width - indent.length;
			const space = atSpaces && rest.length > room ? rest.lastIndexOf(' ', room) : -1;
			const cut = space > room / 2 ? space : room;
			out.push(first ? rest.slice(0, cut) : indent + rest.slice(0, cut));
			rest = space > room / 2 ? rest.slice(cut + 1) : rest.slice(cut);
			first = false;
		}
	}
	return out;
}

/** The lines of one preview section as the preview screen shows them at this width. */
export function previewLines(plan: Plan, tab: number, width: number): string[] {
	return wrapLines(previewSections(plan)[tab]?.lines ?? [], width);
}
