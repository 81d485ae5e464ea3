// The inventory: host header, view tabs, the current view's list and the key hints.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {Header} from '../source/components/header.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import {TabBar} from '../source/components/tab-bar.js';
import {TableView} from '../source/components/table-view.js';
import {listHeight, type UiState} from '../source/ui/state.js';
import {useTheme} from '../source/ui/theme.js';

export function InventoryScreen({state}: {state: UiState}) {
	const theme = useTheme();
	const height = listHeight(state);
	const problems = state.model?.problems.length ?? 0;
	// A tool that did not answer in time is said on the screen itself (which one, within how long, what sets that).
	const timeouts = [...new Set((state.model?.problems ?? []).flatMap((p) => (p.timeout ? [p.timeout] : [])))];
	const hints = hintLine(screenBindings.inventory);
	let warning: string | undefined;
	if (state.loadError) warning = `Scan failed: ${state.loadError} (r to retry)`;
	else if (state.loading && state.model) warning = 'Refreshing…';
	else if (timeouts.length > 0) warning = `${timeouts.join(' · ')} · press ? to read`;
	else if (problems > 0)
		warning = `${problems} problem${problems > 1 ? 's' : ''} while scanning: press ? to read · ${hints}`;
	return (
		<Box flexDirection="column" width={state.width}>
			<Header model={state.model} />
			<TabBar current={state.tab} tables={state.tables} />
			{state.tables ? (
				<TableView
					table={state.tables[state.tab]}
					cursor={state.cursor[state.tab]}
					offset={state.offset[state.tab]}
					height={height}
					width={state.width}
				/>
			) : (
				<Box height={height + 1}>
					<Text color={theme.accent}>{state.loadError ? '' : 'Scanning this host…'}</Text>
				</Box>
			)}
			<StatusBar text={hints} warning={warning} />
		</Box>
	);
}
