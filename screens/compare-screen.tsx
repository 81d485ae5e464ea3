// Every mode side by side on the comparison columns; as many columns as the terminal fits, ←→ for the rest.
import {Box} from 'ink';
import {compareHeight} from '../source/ui/layout.js';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import {modes} from '../source/modes/catalog.js';
import {compareNameWidth as nameWidth, comparisonColumns, comparisonLayout} from '../source/ui/compare.js';
import type {HostModel} from '../source/core/model.js';
import type {WizardState} from '../source/ui/wizard.js';
import {useTheme} from '../source/ui/theme.js';

export interface CompareScreenProps {
	wizard: Pick<WizardState, 'comparePage' | 'compareOffset'>;
	/** The host: the modes it cannot do are dimmed. */
	model: HostModel;
	width: number;
	height: number;
}

export function CompareScreen({wizard, model, width, height}: CompareScreenProps) {
	const theme = useTheme();
	const {perPage, pages} = comparisonLayout(width);
	const page = wizard.comparePage % pages;
	const columns = comparisonColumns.slice(page * perPage, page * perPage + perPage);
	const columnWidth = Math.floor((width - nameWidth) / columns.length) - 1;
	const rows = modes.slice(wizard.compareOffset);
	return (
		<Box flexDirection="column" width={width}>
			<Text bold color={theme.accent}>{`Compare the modes${pages > 1 ? ` (columns ${page + 1}/${pages})` : ''}`}</Text>
			<Box>
				<Box width={nameWidth}>
					<Text bold>Mode</Text>
				</Box>
				{columns.map((c) => (
					<Box key={c.key} width={columnWidth} marginRight={1}>
						<Text bold>{c.title}</Text>
					</Box>
				))}
			</Box>
			<Box flexDirection="column" height={compareHeight({height})} overflow="hidden">
				{rows.map((mode) => (
					<Box key={mode.id} flexShrink={0}>
						<Box width={nameWidth - 1} marginRight={1}>
							<Text wrap="truncate-end" dimColor={theme.useDim && mode.unavailable(model) !== undefined}>
								{mode.title}
							</Text>
						</Box>
						{columns.map((c) => (
							<Box key={c.key} width={columnWidth} marginRight={1}>
								<Text wrap="wrap">{mode.comparison[c.key]}</Text>
							</Box>
						))}
					</Box>
				))}
			</Box>
			<StatusBar text={hintLine(screenBindings.compare, pages > 1 ? [] : ['more-columns'])} />
		</Box>
	);
}
