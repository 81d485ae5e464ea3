import {Box} from 'ink';
import {Text} from './text.js';
import type {HostModel} from '../core/model.js';
import {headerLines} from '../ui/report.js';
import {useTheme} from '../ui/theme.js';

/** Two lines about the host, and a one-line banner when the demo host is shown or a remote host's facts are not. */
export function Header({model}: {model?: HostModel}) {
	const theme = useTheme();
	const [machine = 'kvmnet', libvirt = 'scanning…'] = model ? headerLines(model) : [];
	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end" bold color={theme.accent}>
				{machine}
			</Text>
			<Text wrap="truncate-end">{libvirt}</Text>
			{model?.source === 'demo' ? (
				<Text wrap="truncate-end" inverse color={theme.warning}>
					{model.demoReason
						? ' DEMO HOST: no libvirt reachable on this machine. Press ? for how to connect. '
						: ' DEMO HOST (--demo): not this machine. '}
				</Text>
			) : null}
			{model?.header.remote?.why ? (
				<Text wrap="truncate-end" inverse color={theme.warning}>
					{` ${model.header.remote.why} `}
				</Text>
			) : null}
		</Box>
	);
}
