// The inventory: host header, view tabs, the current view's list and the key hints.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {Header} from '../source/components/header.js';
import {StatusBar} from '../source/components/status-bar.js';
import {inventoryHints} from '../source/ui/bindings.js';
import {TabBar} from '../source/components/tab-bar.js';
import {TableView} from '../source/components/table-view.js';
import type {HostModel} from '../source/core/model.js';
import {listHeight} from '../source/ui/layout.js';
import type {TabId, Table} from '../source/ui/views.js';
import {useTheme} from '../source/ui/theme.js';

export interface InventoryScreenProps {
	model?: HostModel;
	tables?: Record<TabId, Table>;
	tab: TabId;
	/** The current tab's selected row and first row shown. */
	cursor: number;
	offset: number;
	/** A scan is under way. */
	loading: boolean;
	loadError?: string;
	/** A line for the status bar until the next key. */
	notice?: string;
	/** Said while the first scan runs: which host, and how it is reached. */
	scanning?: string;
	width: number;
	height: number;
}

export function InventoryScreen({
	model,
	tables,
	tab,
	cursor,
	offset,
	loading,
	loadError,
	notice,
	scanning = 'Scanning this host…',
	width,
	height,
}: InventoryScreenProps) {
	const theme = useTheme();
	const rows = listHeight({height, model});
	const problems = model?.problems.length ?? 0;
	// A tool that did not answer in time is said on the screen itself (which one, within how long, what sets that).
	const timeouts = [...new Set((model?.problems ?? []).flatMap((p) => (p.timeout ? [p.timeout] : [])))];
	const hints = inventoryHints(tab);
	let warning: string | undefined;
	if (notice) warning = notice;
	else if (loadError) warning = `Scan failed: ${loadError} (r to retry)`;
	else if (loading && model) warning = 'Refreshing…';
	else if (timeouts.length > 0) warning = `${timeouts.join(' · ')} · press ? to read`;
	else if (problems > 0)
		warning = `${problems} problem${problems > 1 ? 's' : ''} while scanning: press ? to read · ${hints}`;
	return (
		<Box flexDirection="column" width={width}>
			<Header model={model} />
			<TabBar current={tab} tables={tables} />
			{tables ? (
				<TableView table={tables[tab]} cursor={cursor} offset={offset} height={rows} width={width} />
			) : (
				<Box height={rows + 1}>
					<Text color={theme.accent}>{loadError ? '' : scanning}</Text>
				</Box>
			)}
			<StatusBar text={hints} warning={warning} />
		</Box>
	);
}
