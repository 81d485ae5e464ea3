// Which mode fits: five yes/no questions, and the recommendation for this host as the answers change.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import {questions, recommend} from '../source/plan/recommend.js';
import {findMode} from '../source/modes/catalog.js';
import type {HostModel} from '../source/core/model.js';
import type {WizardState} from '../source/ui/wizard.js';
import {useTheme} from '../source/ui/theme.js';

export interface QuestionsScreenProps {
	wizard: Pick<WizardState, 'answers' | 'questionCursor'>;
	/** The host the recommendation is for. */
	model: HostModel;
	width: number;
}

export function QuestionsScreen({wizard, model, width}: QuestionsScreenProps) {
	const theme = useTheme();
	const {answers, questionCursor} = wizard;
	const result = recommend(answers, model);
	return (
		<Box flexDirection="column" width={width}>
			<Text bold color={theme.accent}>
				Which mode fits? Answer, and kvmnet recommends a mode this host can do.
			</Text>
			<Text> </Text>
			{questions.map((q, i) => (
				<Text key={q.key} wrap="truncate-end" inverse={i === questionCursor}>
					{`${i === questionCursor ? '›' : ' '} [${answers[q.key] ? 'yes' : 'no '}] ${q.text}`}
				</Text>
			))}
			<Text> </Text>
			<Text wrap="wrap">
				<Text bold color={theme.accent}>{`Recommended: ${findMode(result.mode)!.title}`}</Text>
				{` — ${result.reason}.`}
			</Text>
			{result.unmet.map(({answer, why}) => (
				<Text key={answer} wrap="wrap" color={theme.warning}>
					{`Not met — ${questions.find((q) => q.key === answer)!.short}: ${why}.`}
				</Text>
			))}
			{result.runnerUp ? (
				<Text wrap="wrap">{`Runner-up: ${findMode(result.runnerUp)!.title} — ${result.runnerUpReason}.`}</Text>
			) : null}
			{result.passedOver.map((line) => (
				<Text key={line} wrap="wrap" dimColor={theme.useDim}>
					{`Not possible here: ${line}`}
				</Text>
			))}
			<Text> </Text>
			<StatusBar text={hintLine(screenBindings.questions)} />
		</Box>
	);
}
