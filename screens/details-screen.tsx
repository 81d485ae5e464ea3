// Everything about one object, scrolled a screen at a time.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import type {Details} from '../source/ui/details.js';
import {detailsHeight} from '../source/ui/layout.js';
import {useTheme} from '../source/ui/theme.js';

export interface DetailsScreenProps {
	details: Details;
	/** The first line shown. */
	offset: number;
	width: number;
	/** The terminal's height. */
	height: number;
}

export function DetailsScreen({details, offset, width, height}: DetailsScreenProps) {
	const theme = useTheme();
	const rows = detailsHeight({height});
	const visible = details.lines.slice(offset, offset + rows);
	const last = Math.min(details.lines.length, offset + rows);
	return (
		<Box flexDirection="column" width={width}>
			<Text bold color={theme.accent} wrap="truncate-end">
				{`${details.title}  (${details.lines.length === 0 ? 0 : offset + 1}-${last} of ${details.lines.length})`}
			</Text>
			<Box flexDirection="column" height={rows}>
				{visible.map((line, i) => (
					<Text key={offset + i} wrap="truncate-end" color={line.startsWith('⚠') ? theme.warning : undefined}>
						{line === '' ? ' ' : line}
					</Text>
				))}
			</Box>
			<StatusBar text={hintLine(screenBindings.details)} />
		</Box>
	);
}
