// The keys, why the demo is shown, and what went wrong while scanning.
import {Box} from 'ink';
import {Text} from '../source/components/text.js';
import {StatusBar} from '../source/components/status-bar.js';
import type {UiState} from '../source/ui/state.js';
import {useTheme} from '../source/ui/theme.js';

const keys: [string, string][] = [
	['↑ ↓  j k', 'move in a list, scroll details'],
	['PgUp PgDn Space', 'a page at a time'],
	['Home End  g G', 'first, last'],
	['Tab ← →  1-5', 'switch view: topology, NICs, bridges, networks, VMs'],
	['Enter', 'details of the selected row, with its libvirt XML'],
	['Esc  q', 'back (quit from the lists)'],
	['n', 'new network: choose a mode (or answer questions), fill in, preview'],
	['d', 'doctor: check what breaks VM networking here, with fixes (f applies one)'],
	['r', 'scan the host again'],
	['?', 'this help'],
	['Ctrl-C', 'quit from anywhere'],
];

export function HelpScreen({state}: {state: UiState}) {
	const theme = useTheme();
	const model = state.model;
	return (
		<Box flexDirection="column" width={state.width}>
			<Text bold color={theme.accent}>
				kvmnet keys
			</Text>
			{keys.map(([key, what]) => (
				<Text key={key} wrap="truncate-end">
					{`  ${key.padEnd(18)}${what}`}
				</Text>
			))}
			<Text> </Text>
			<Text wrap="wrap">[SSH] marks the interface that carries your SSH session: changing it can cut you off.</Text>
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
			<StatusBar text="Esc, q or ? to go back" />
		</Box>
	);
}
