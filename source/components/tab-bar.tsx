import {Box} from 'ink';
import {Text} from './text.js';
import {tabs, type TabId, type Table} from '../ui/views.js';
import {useTheme} from '../ui/theme.js';

export function TabBar({current, tables}: {current: TabId; tables?: Record<TabId, Table>}) {
	const theme = useTheme();
	return (
		<Box>
			{tabs.map((tab, i) => {
				const count = tables ? ` ${tables[tab.id].rows.length}` : '';
				const label = ` ${i + 1} ${tab.title}${count} `;
				return tab.id === current ? (
					<Text key={tab.id} inverse bold color={theme.accent}>
						{label}
					</Text>
				) : (
					<Text key={tab.id}>{label}</Text>
				);
			})}
		</Box>
	);
}
