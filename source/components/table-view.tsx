import {Box} from 'ink';
import {Text} from './text.js';
import {formatCells, widthsFor, type Table} from '../ui/views.js';
import {useTheme} from '../ui/theme.js';

interface Props {
	table: Table;
	cursor: number;
	offset: number;
	height: number;
	width: number;
}

/** A list that draws only the rows in view, so 3,000 rows cost what 20 do. */
export function TableView({table, cursor, offset, height, width}: Props) {
	const theme = useTheme();
	const visible = table.rows.slice(offset, offset + height);
	const widths = widthsFor(table, width - 2);
	return (
		<Box flexDirection="column" height={height + 1}>
			<Text bold wrap="truncate-end">
				{`  ${formatCells(table.columns, widths, width - 2)}`}
			</Text>
			{visible.length === 0 ? <Text dimColor={theme.useDim}> (none on this host)</Text> : null}
			{visible.map((row, i) => {
				const index = offset + i;
				const selected = index === cursor;
				const text = `${selected ? '›' : ' '} ${formatCells(row.cells, widths, width - 2)}`;
				return (
					<Text
						key={`${index}:${row.name}`}
						wrap="truncate-end"
						inverse={selected}
						dimColor={theme.useDim && row.dim && !selected}
						color={row.ssh ? theme.warning : undefined}
					>
						{text}
					</Text>
				);
			})}
		</Box>
	);
}
