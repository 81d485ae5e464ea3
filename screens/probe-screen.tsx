// The probe of one network: its commands as they run, then the matrix of what a guest reached against what the
// mode promises, with the cause and the evidence of each cell that differs (the text `kvmnet probe` prints).
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {probeExitCode} from '../source/core/probe.js';
import {visible} from '../source/core/visible.js';
import type {HostModel} from '../source/core/model.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import {probeBodyHeight} from '../source/ui/layout.js';
import {probeResultLines, type ProbeView} from '../source/ui/probe-state.js';
import {onRemoteHost} from '../source/ui/report.js';
import {useTheme} from '../source/ui/theme.js';

export interface ProbeScreenProps {
	view: ProbeView;
	/** The host probed (the title names it when it is reached over ssh). */
	model?: HostModel;
	width: number;
	height: number;
}

export function ProbeScreen({view, model, width, height}: ProbeScreenProps) {
	const theme = useTheme();
	const rows = probeBodyHeight({height});
	const code = view.report ? probeExitCode(view.report) : 2;
	const verdict =
		view.phase === 'running'
			? 'measuring…'
			: view.stopping
				? 'stopped'
				: view.phase === 'failed'
					? 'could not run'
					: code === 0
						? 'as promised'
						: code === 1
							? 'differs from the promise'
							: 'nothing measured';
	const title = visible(`Probe of network ${view.network}${onRemoteHost(model)}: ${verdict}`);
	const running = view.phase === 'running';
	const lines = running ? view.log.slice(-rows).map((line) => visible(line)) : probeResultLines(view, width);
	const first = running ? 0 : view.offset;
	const colour = (line: string) =>
		/ FAIL$/.test(line) || view.phase === 'failed' ? theme.error : /^\S.* pass$/.test(line) ? theme.accent : undefined;
	return (
		<Box flexDirection="column" width={width}>
			<Text bold color={running || code === 0 ? theme.accent : theme.warning} wrap="truncate-end">
				{title}
			</Text>
			<Box flexDirection="column" height={rows}>
				{running && lines.length === 0 ? (
					<Text color={theme.accent}>Scanning the host and attaching two endpoints to the network…</Text>
				) : (
					lines.slice(first, first + rows).map((line, i) => (
						<Text key={i} wrap="truncate-end" color={running ? undefined : colour(line)}>
							{line === '' ? ' ' : line}
						</Text>
					))
				)}
			</Box>
			<StatusBar
				text={running ? "Esc stop (the probe's endpoints are removed)" : hintLine(screenBindings.probe)}
				warning={running && view.stopping ? 'Stopping: removing what the probe made…' : undefined}
			/>
		</Box>
	);
}
