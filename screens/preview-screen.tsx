// What the plan would do: the network XML, the VM interface, every command with its undo, and the warnings.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import {previewLines, previewSections} from '../source/ui/plan-text.js';
import {previewHeight} from '../source/ui/layout.js';
import type {WizardState} from '../source/ui/wizard.js';
import {useTheme} from '../source/ui/theme.js';

export interface PreviewScreenProps {
	wizard: Pick<WizardState, 'plan' | 'previewTab' | 'previewOffset' | 'mode' | 'message'>;
	width: number;
	height: number;
}

export function PreviewScreen({wizard, width, height}: PreviewScreenProps) {
	const theme = useTheme();
	const {plan, previewTab, previewOffset, mode} = wizard;
	if (!plan || !mode) return null;
	const sections = previewSections(plan);
	const lines = previewLines(plan, previewTab, width);
	const rows = previewHeight({height});
	return (
		<Box flexDirection="column" width={width}>
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
			<Box flexDirection="column" height={rows}>
				{lines.slice(previewOffset, previewOffset + rows).map((line, i) => (
					<Text
						key={previewOffset + i}
						wrap="truncate-end"
						color={line.trimStart().startsWith('⚠') ? theme.warning : undefined}
					>
						{line === '' ? ' ' : line}
					</Text>
				))}
			</Box>
			<StatusBar text={hintLine(screenBindings.preview)} warning={wizard.message} />
		</Box>
	);
}
