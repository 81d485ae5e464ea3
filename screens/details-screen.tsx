// Everything about one object, scrolled a screen at a time.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import {detailsHeight, type UiState} from '../source/ui/state.js';
import {useTheme} from '../source/ui/theme.js';

export function DetailsScreen({state}: {state: UiState}) {
	const theme = useTheme();
	const details = state.details;
	if (!details) return null;
	const height = detailsHeight(state);
	const visible = details.lines.slice(state.detailsOffset, state.detailsOffset + height);
	const last = Math.min(details.lines.length, state.detailsOffset + height);
	return (
		<Box flexDirection="column" width={state.width}>
			<Text bold color={theme.accent} wrap="truncate-end">
				{`${details.title}  (${details.lines.length === 0 ? 0 : state.detailsOffset + 1}-${last} of ${details.lines.length})`}
			</Text>
			<Box flexDirection="column" height={height}>
				{visible.map((line, i) => (
					<Text
						key={state.detailsOffset + i}
						wrap="truncate-end"
						color={line.startsWith('⚠') ? theme.warning : undefined}
					>
						{line === '' ? ' ' : line}
					</Text>
				))}
			</Box>
			<StatusBar text={hintLine(screenBindings.details)} />
		</Box>
	);
}
