// Applying a plan: what will change (and y to go), then each step's state and the live log, then the outcome.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {applyBindings, hintLine} from '../source/ui/bindings.js';
import {defaultGuardSeconds, type StepState} from '../source/core/journal.js';
import {applyListHeight, applyRunLayout} from '../source/ui/layout.js';
import type {HostModel} from '../source/core/model.js';
import {probeOffer, type ApplyView} from '../source/ui/apply-state.js';
import {onRemoteHost} from '../source/ui/report.js';
import {useTheme} from '../source/ui/theme.js';

const marks: Record<StepState, string> = {
	pending: '·',
	running: '▶',
	done: '✓',
	failed: '✗',
	undoing: '↺',
	undone: '↩',
	'undo-failed': '!',
};

const outcome: Record<string, string> = {
	applied: 'Applied: every step done and checked.',
	'rolled-back': 'Nothing changed in the end: a step failed or was stopped, and every completed step was undone.',
	undone: 'Undone: every step was reversed.',
	'rollback-incomplete': 'Some steps could not be undone: see below for what is left and how to fix it.',
};

export interface ApplyScreenProps {
	view: ApplyView;
	/** The host the plan was made for: its SSH session's interface and client. */
	model?: HostModel;
	width: number;
	height: number;
}

export function ApplyScreen({view, model, width, height}: ApplyScreenProps) {
	const theme = useTheme();
	// What the layout helpers need of the terminal's size.
	const size = {height};
	const plan = view.plan;
	const title = `Apply: ${plan.mode} ${plan.params['name'] ?? ''}`;
	if (view.phase === 'confirm') {
		const risky = plan.steps.filter((s) => s.touchesSsh).length;
		return (
			<Box flexDirection="column" width={width}>
				<Text
					bold
					color={theme.accent}
				>{`${title}: this will change ${model?.header.remote ? model.header.hostname : 'the host'}`}</Text>
				{plan.steps.slice(0, applyListHeight(size)).map((step, i) => (
					<Text
						key={i}
						wrap="truncate-end"
						color={step.touchesSsh ? theme.warning : undefined}
					>{`  ${i + 1}. ${step.title}`}</Text>
				))}
				{plan.steps.length > applyListHeight(size) ? (
					<Text>{`  … and ${plan.steps.length - applyListHeight(size)} more`}</Text>
				) : null}
				{risky > 0 ? (
					<Text
						wrap="wrap"
						color={theme.warning}
					>{`⚠ ${risky} step${risky === 1 ? '' : 's'} change${risky === 1 ? 's' : ''} ${model?.header.ssh?.interface ?? 'the SSH interface'}, which carries ${model?.header.remote ? "kvmnet's own ssh connection; a guard on the host" : 'your SSH session. A guard'} undoes everything unless you confirm within ${defaultGuardSeconds} s that you still reach the host.`}</Text>
				) : null}
				<Text> </Text>
				<StatusBar text={hintLine(applyBindings.confirm)} />
			</Box>
		);
	}
	if (view.phase === 'recover' && view.journal) {
		const rows = Math.max(1, applyListHeight(size));
		return (
			<Box flexDirection="column" width={width}>
				<Text
					bold
					color={theme.warning}
					wrap="truncate-end"
				>{`An apply was left half-way${onRemoteHost(model)}: ${plan.mode} ${plan.params['name'] ?? ''}`}</Text>
				<Text wrap="wrap">{`The process applying it stopped (killed, or the machine went down). Journal ${view.journal.description}.`}</Text>
				{plan.steps.slice(0, rows).map((step, i) => (
					<Text
						key={i}
						wrap="truncate-end"
					>{` ${marks[view.steps[i] ?? 'pending']} ${i + 1}. ${step.title} (${view.steps[i]})`}</Text>
				))}
				{plan.steps.length > rows ? <Text>{`  … and ${plan.steps.length - rows} more`}</Text> : null}
				<Text wrap="wrap">{`Undoing goes through ${view.journal.toUndo} step(s), last first; a step that was under way is checked and undone only if it took effect.`}</Text>
				<StatusBar text={hintLine(applyBindings.recover)} />
			</Box>
		);
	}
	const done = view.steps.filter((s) => s === 'done').length;
	const current = Math.max(
		0,
		view.steps.findIndex((s) => s === 'running' || s === 'undoing'),
	);
	const extra =
		view.phase === 'keep'
			? 3
			: view.phase === 'done' || view.phase === 'refused'
				? 2 + (view.journal?.leftovers.length ?? 0) + view.problems.length
				: 0;
	const {stepRows, logRows} = applyRunLayout(size, view.steps.length, extra);
	const firstStep = Math.min(Math.max(0, current - 3), Math.max(0, view.steps.length - stepRows));
	const remaining = view.journal?.deadline
		? view.now === undefined
			? undefined
			: Math.max(0, Math.ceil((Date.parse(view.journal.deadline) - view.now) / 1000))
		: undefined;
	const yesNo = (ok: boolean | undefined) => (ok === undefined ? '…' : ok ? 'answers' : 'does not answer');
	return (
		<Box flexDirection="column" width={width}>
			<Text
				bold
				color={theme.accent}
				wrap="truncate-end"
			>{`${title} — ${view.phase === 'checking' ? 'checking the host' : `${done}/${view.steps.length} done`}`}</Text>
			{plan.steps.slice(firstStep, firstStep + stepRows).map((step, offset) => {
				const index = firstStep + offset;
				const stepState = view.steps[index]!;
				return (
					<Text
						key={index}
						wrap="truncate-end"
						color={
							stepState === 'failed' || stepState === 'undo-failed'
								? theme.error
								: stepState === 'running'
									? theme.accent
									: undefined
						}
						dimColor={theme.useDim && stepState === 'pending'}
					>
						{` ${marks[stepState]} ${index + 1}. ${step.title} (${stepState})`}
					</Text>
				);
			})}
			<Box flexDirection="column" height={logRows}>
				{view.log.slice(-logRows).map((line, i) => (
					<Text
						key={i}
						wrap="truncate-end"
						color={line.stream === 'error' ? theme.error : line.stream === 'stderr' ? theme.warning : undefined}
					>
						{`${line.time.slice(11, 19)} ${line.step >= 0 ? `[${line.step + 1}] ` : ''}${line.text}`}
					</Text>
				))}
			</Box>
			{view.phase === 'keep' ? (
				<Box flexDirection="column">
					<Text
						bold
						color={theme.warning}
					>{`Keep the changes? y keeps, n undoes now. Undone automatically in ${remaining ?? '?'} s.`}</Text>
					<Text wrap="truncate-end">{`Gateway ${yesNo(view.reach.gateway)} · SSH client ${model?.header.ssh?.clientAddress ?? ''} ${yesNo(view.reach.client)}`}</Text>
				</Box>
			) : null}
			{view.phase === 'refused'
				? view.problems.map((p) => <Text key={p} wrap="wrap" color={theme.error}>{`✗ ${p}`}</Text>)
				: null}
			{view.phase === 'done' && view.journal ? (
				<Box flexDirection="column">
					<Text bold color={view.journal.status === 'applied' ? theme.accent : theme.warning} wrap="wrap">
						{`${view.journal.guardActed ? 'The guard undid the changes (no confirmation in time). ' : ''}${outcome[view.journal.status] ?? view.journal.status}`}
					</Text>
					{view.journal.leftovers.map((l) => (
						<Text key={l} wrap="wrap" color={theme.error}>
							{l}
						</Text>
					))}
					<Text
						wrap="truncate-end"
						dimColor={theme.useDim}
					>{`Journal: ${view.journal.path} (kvmnet undo reverses the last applied plan)`}</Text>
				</Box>
			) : null}
			<StatusBar
				text={
					view.phase === 'checking'
						? 'Checking privileges, tools, and that the plan still fits…'
						: hintLine(applyBindings[view.phase], probeOffer(view) ? [] : ['probe'])
				}
				warning={view.phase === 'running' && view.stopping ? 'Stopping after this step, then undoing…' : undefined}
			/>
		</Box>
	);
}
