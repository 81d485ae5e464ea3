import {Text} from './text.js';
import {useTheme} from '../ui/theme.js';

/** The bottom line: what the keys do here, or a warning that needs the user's eye. */
export function StatusBar({text, warning}: {text: string; warning?: string}) {
	const theme = useTheme();
	return warning ? (
		<Text wrap="truncate-end" color={theme.warning} bold>
			{warning}
		</Text>
	) : (
		<Text wrap="truncate-end" dimColor={theme.useDim}>
			{text}
		</Text>
	);
}
