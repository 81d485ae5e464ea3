// The keys (from the bindings table), why the demo is shown, and what went wrong while scanning.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import {helpRows, hintLine, screenBindings} from '../source/ui/bindings.js';
import type {HostModel} from '../source/core/model.js';
import {useTheme} from '../source/ui/theme.js';

// The inventory's keys, from the same table its reducer reads.
const keys = helpRows(screenBindings.inventory);

export interface HelpScreenProps {
	/** The host, once scanned: why the demo is shown and what went wrong while scanning. */
	model?: HostModel;
	width: number;
}

export function HelpScreen({model, width}: HelpScreenProps) {
	const theme = useTheme();
	return (
		<Box flexDirection="column" width={width}>
			<Text bold color={theme.accent}>
				kvmnet keys
			</Text>
			{keys.map(([key, what]) => (
				<Text key={key} wrap="truncate-end">
					{`  ${key.padEnd(18)}${what}`}
				</Text>
			))}
			<Text> </Text>
			<Text wrap="wrap">
				[SSH] marks the interface your SSH connection arrives by (on a remote host, kvmnet's own connection to it):
				changing it can cut you off.
			</Text>
			{model?.demoReason ? (
				<Text wrap="wrap" color={theme.warning}>
					{model.demoReason}
				</Text>
			) : null}
			{(model?.problems ?? []).slice(0, 6).map((p, i) => (
				<Text key={i} wrap="wrap" color={theme.error}>
					{`${p.area}: ${p.message}`}
				</Text>
			))}
			<StatusBar text={hintLine(screenBindings.help)} />
		</Box>
	);
}
