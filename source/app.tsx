// The interactive app: holds the one UI state, feeds it keys in order, loads the host, and picks the screen.
import {useApp, useStdout} from 'ink';
import {useEffect, useReducer} from 'react';
import {DetailsScreen} from '../screens/details-screen.js';
import {HelpScreen} from '../screens/help-screen.js';
import {InventoryScreen} from '../screens/inventory-screen.js';
import type {HostModel} from './core/model.js';
import {useKeypress} from './hooks/use-keypress.js';
import {initialState, reduce} from './ui/state.js';
import {ThemeContext, type Theme} from './ui/theme.js';

export interface AppProps {
	/** Scans (or loads) the host; called once at start and again on each refresh. */
	load: () => Promise<HostModel>;
	theme: Theme;
}

export function App({load, theme}: AppProps) {
	const {exit} = useApp();
	const {stdout} = useStdout();
	const [state, dispatch] = useReducer(reduce, undefined, () => initialState(stdout.columns || 80, stdout.rows || 24));
	useKeypress((key) => dispatch({type: 'key', key}));

	useEffect(() => {
		let current = true;
		load().then(
			(model) => current && dispatch({type: 'loaded', model}),
			(error: unknown) => current && dispatch({type: 'load-failed', error: error instanceof Error ? error.message : String(error)}),
		);
		return () => {
			current = false;
		};
	}, [load, state.refreshCount]);

	useEffect(() => {
		const onResize = () => dispatch({type: 'resize', width: stdout.columns || 80, height: stdout.rows || 24});
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);

	useEffect(() => {
		if (state.quit) exit();
	}, [state.quit, exit]);

	return (
		<ThemeContext.Provider value={theme}>
			{state.screen === 'details' ? <DetailsScreen state={state} /> : state.screen === 'help' ? <HelpScreen state={state} /> : <InventoryScreen state={state} />}
		</ThemeContext.Provider>
	);
}
