// Ink's Text, with every string it is given made visible (source/core/visible.ts): the one place all TUI text
// passes through, so a host name holding ESC or BEL never reaches the terminal as a control sequence, whichever
// screen shows it. Components and screens import Text from here, never from ink.
import {Text as InkText} from 'ink';
import {Children, type ComponentProps, type ReactNode} from 'react';
import {visible} from '../core/visible.js';

function safe(children: ReactNode): ReactNode {
	if (typeof children === 'string') return visible(children);
	if (Array.isArray(children))
		return Children.map(children, (child) => (typeof child === 'string' ? visible(child) : child));
	return children;
}

export function Text({children, ...props}: ComponentProps<typeof InkText>) {
	return <InkText {...props}>{safe(children)}</InkText>;
}
