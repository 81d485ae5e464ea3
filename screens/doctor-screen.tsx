// The Doctor: every check grouped by area, the worst first, with the selected one's findings, reason and fix
// (its commands and their undo) below; f applies a fix through the apply screen.
import {Box} from 'ink';
import {isFixable} from '../source/core/doctor/index.js';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import type {HostModel} from '../source/core/model.js';
import {doctorLayout, doctorList, doctorRowText, selectedDetails, type DoctorView} from '../source/ui/doctor-state.js';
import {onRemoteHost} from '../source/ui/report.js';
import {useTheme} from '../source/ui/theme.js';

export interface DoctorScreenProps {
	view: DoctorView;
	/** The host the checks ran on (the title says when it is the demo). */
	model?: HostModel;
	width: number;
	height: number;
}

export function DoctorScreen({view, model, width, height}: DoctorScreenProps) {
	const theme = useTheme();
	const {list, details} = doctorLayout(height);
	const {ordered, lines} = doctorList(view.results);
	const count = (status: string) => view.results.filter((r) => r.status === status).length;
	const where = onRemoteHost(model);
	const title =
		view.results.length > 0
			? `Doctor${where}: ${count('fail')} failed · ${count('warn')} warnings · ${count('pass')} ok · ${count('n/a')} n/a`
			: `Doctor${where}`;
	const selected = ordered[view.cursor];
	const detailLines = selectedDetails(view, width).slice(0, details);
	const canFix = selected !== undefined && isFixable(selected);
	const hints = hintLine(screenBindings.doctor, canFix ? [] : ['fix']);
	const colour = (status: string) => (status === 'fail' ? theme.error : status === 'warn' ? theme.warning : undefined);
	return (
		<Box flexDirection="column" width={width}>
			<Text bold color={theme.accent} wrap="truncate-end">
				{`${title}${model?.source === 'demo' ? ' (demo host)' : ''}`}
			</Text>
			<Box flexDirection="column" height={list}>
				{view.results.length === 0 ? (
					<Text color={view.error ? theme.error : theme.accent}>
						{view.error ? `The doctor could not read this host: ${view.error}` : 'Checking this host…'}
					</Text>
				) : (
					lines.slice(view.offset, view.offset + list).map((line, i) =>
						'group' in line ? (
							<Text key={`g${view.offset + i}`} bold wrap="truncate-end">
								{line.group}
							</Text>
						) : (
							<Text
								key={`c${line.check}`}
								inverse={line.check === view.cursor}
								color={colour(ordered[line.check]!.status)}
								wrap="truncate-end"
							>
								{`${line.check === view.cursor ? '›' : ' '} ${doctorRowText(ordered[line.check]!)}`}
							</Text>
						),
					)
				)}
			</Box>
			<Text dimColor={theme.useDim} wrap="truncate-end">
				{'─'.repeat(Math.max(0, width))}
			</Text>
			<Box flexDirection="column" height={details}>
				{detailLines.map((line, i) => (
					<Text key={i} wrap="truncate-end">
						{line === '' ? ' ' : line}
					</Text>
				))}
			</Box>
			<StatusBar text={hints} warning={view.loading && view.results.length > 0 ? 'Checking again…' : undefined} />
		</Box>
	);
}
