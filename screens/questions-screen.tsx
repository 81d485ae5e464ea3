// Which mode fits: five yes/no questions, and the recommendation for this host as the answers change.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {hintLine, screenBindings} from '../source/ui/bindings.js';
import {questions, recommend} from '../source/plan/recommend.js';
import {findMode} from '../source/modes/catalog.js';
import type {UiState} from '../source/ui/state.js';
import {useTheme} from '../source/ui/theme.js';

export function QuestionsScreen({state}: {state: UiState}) {
	const theme = useTheme();
	const {answers, questionCursor} = state.wizard;
	const result = recommend(answers, state.model!);
	return (
		<Box flexDirection="column" width={state.width}>
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
