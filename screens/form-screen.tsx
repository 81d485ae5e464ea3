// The chosen mode's fields, checked on every keystroke: each error names its field and the rule.
import {Box} from 'ink';
import {formHelpHeight} from '../source/ui/layout.js';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import {fieldHelp, fieldLabels} from '../source/core/fields.js';
import type {HostModel} from '../source/core/model.js';
import {useTheme} from '../source/ui/theme.js';
import {fieldChoices, type WizardState} from '../source/ui/wizard.js';

export interface FormScreenProps {
	wizard: Pick<WizardState, 'mode' | 'params' | 'fieldCursor' | 'errors' | 'plan' | 'message'>;
	/** The host the network is for: its name, and the values ← and → offer. */
	model: HostModel;
	width: number;
	height: number;
}

export function FormScreen({wizard, model, width, height}: FormScreenProps) {
	const theme = useTheme();
	const {mode, params, fieldCursor, errors, plan} = wizard;
	if (!mode) return null;
	const fields = mode.rules.fields;
	const focused = fields[fieldCursor]!;
	const choices = fieldChoices(mode, focused, model);
	return (
		<Box flexDirection="column" width={width}>
			<Text
				bold
				color={theme.accent}
				wrap="truncate-end"
			>{`${mode.title}: new network on ${model.header.hostname}`}</Text>
			{fields.map((field, i) => {
				const error = errors.some((e) => e.field === field);
				const selected = i === fieldCursor;
				return (
					<Text key={field} wrap="truncate-end" color={error ? theme.error : undefined}>
						<Text inverse={selected}>{`${selected ? '›' : ' '} ${fieldLabels[field].padEnd(24)}`}</Text>
						{` ${params[field] ?? ''}${selected ? '▏' : ''}${error ? '  ✗' : ''}`}
					</Text>
				);
			})}
			<Text dimColor={theme.useDim} wrap="truncate-end">
				{`  ${fieldHelp[focused]}${choices && choices.length > 0 ? ` · ←→: ${choices.map((c) => c || '(none)').join(' ')}` : ''}`}
			</Text>
			{errors.length === 0 && plan ? (
				<Text
					color={theme.accent}
					wrap="truncate-end"
				>{`✓ Ready: ${plan.steps.length} steps, ${plan.warnings.length} warnings. Enter shows the preview; nothing is changed yet.`}</Text>
			) : (
				errors
					.slice(0, formHelpHeight({height}, fields.length))
					.map((e) => <Text key={e.field + e.message} color={theme.error} wrap="wrap">{`✗ ${e.message}`}</Text>)
			)}
			<StatusBar text={hintLine(screenBindings.form)} warning={wizard.message} />
		</Box>
	);
}
