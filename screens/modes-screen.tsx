// Choose a mode: the list on the left (modes this host cannot do are dimmed), the chosen one explained on the right.
import {Box} from 'ink';
import {modesBodyHeight} from '../source/ui/layout.js';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import {modes} from '../source/modes/catalog.js';
import type {HostModel} from '../source/core/model.js';
import type {WizardState} from '../source/ui/wizard.js';
import {useTheme} from '../source/ui/theme.js';

export interface ModesScreenProps {
	wizard: Pick<WizardState, 'modeCursor' | 'message'>;
	/** The host: the modes it cannot do are dimmed, with why. */
	model: HostModel;
	width: number;
	height: number;
}

export function ModesScreen({wizard, model: host, width, height}: ModesScreenProps) {
	const theme = useTheme();
	const mode = modes[wizard.modeCursor]!;
	const why = mode.unavailable(host);
	const listWidth = 27;
	const body = modesBodyHeight({height});
	const explanation = [
		...(why ? [`✗ Not possible on this host: ${why}.`, ''] : []),
		mode.what,
		'',
		`Use: ${mode.useCase}`,
		`Example: ${mode.example}`,
		...mode.pros.map((p) => `+ ${p}`),
		...mode.cons.map((c) => `- ${c}`),
		...mode.pitfalls.map((p) => `⚠ ${p}`),
		`Needs: ${mode.needs}`,
	];
	return (
		<Box flexDirection="column" width={width}>
			<Text bold color={theme.accent}>
				New network: choose a mode
			</Text>
			<Box height={body}>
				<Box flexDirection="column" width={listWidth}>
					{modes.map((m, i) => {
						const unavailable = m.unavailable(host) !== undefined;
						const selected = i === wizard.modeCursor;
						return (
							<Text
								key={m.id}
								wrap="truncate-end"
								inverse={selected}
								dimColor={theme.useDim && unavailable && !selected}
							>
								{`${selected ? '›' : ' '} ${m.title}${unavailable ? ' ✗' : ''}`}
							</Text>
						);
					})}
				</Box>
				<Box flexDirection="column" width={width - listWidth - 1} marginLeft={1} height={body} overflow="hidden">
					<Text bold>{mode.title}</Text>
					{/* Rows keep their full height (no shrinking) and the pane clips at the bottom. */}
					{explanation.map((line, i) => (
						<Box key={i} flexShrink={0}>
							<Text
								wrap="wrap"
								color={line.startsWith('✗') ? theme.error : line.startsWith('⚠') ? theme.warning : undefined}
							>
								{line === '' ? ' ' : line}
							</Text>
						</Box>
					))}
					<Text bold>Path</Text>
					{mode.diagram.map((line, i) => (
						<Box key={`d${i}`} flexShrink={0}>
							<Text wrap="truncate-end">{line}</Text>
						</Box>
					))}
				</Box>
			</Box>
			<StatusBar text={hintLine(screenBindings.modes)} warning={wizard.message} />
		</Box>
	);
}
