// What the plan would do: the network XML, the VM interface, every command with its undo, and the warnings.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import {previewLines, previewSections} from '../source/ui/plan-text.js';
import {previewHeight, type UiState} from '../source/ui/state.js';
import {useTheme} from '../source/ui/theme.js';

export function PreviewScreen({state}: {state: UiState}) {
	const theme = useTheme();
	const {plan, previewTab, previewOffset, mode} = state.wizard;
	if (!plan || !mode) return null;
	const sections = previewSections(plan);
	const lines = previewLines(plan, previewTab, state.width);
	const height = previewHeight(state);
	return (
		<Box flexDirection="column" width={state.width}>
			<Text
				bold
				color={theme.accent}
				wrap="truncate-end"
			>{`Preview: ${mode.title} ${plan.params['name'] ?? ''} (nothing has been changed)`}</Text>
			<Box>
				{sections.map((s, i) => (
					<Text
						key={s.id}
						inverse={i === previewTab}
						bold={i === previewTab}
						color={s.id === 'warnings' && plan.warnings.length > 0 ? theme.warning : undefined}
					>
						{` ${i + 1} ${s.title} `}
					</Text>
				))}
			</Box>
			<Box flexDirection="column" height={height}>
				{lines.slice(previewOffset, previewOffset + height).map((line, i) => (
					<Text
						key={previewOffset + i}
						wrap="truncate-end"
						color={line.trimStart().startsWith('⚠') ? theme.warning : undefined}
					>
						{line === '' ? ' ' : line}
					</Text>
				))}
			</Box>
			<StatusBar text={hintLine(screenBindings.preview)} warning={state.wizard.message} />
		</Box>
	);
}
