// The interactive app: holds the one UI state, feeds it keys in order, loads the host, and picks the screen.
import {useApp, useStdout} from 'ink';
import {useEffect, useReducer, useRef} from 'react';
import {ApplyScreen} from '../screens/apply-screen.js';
import {CompareScreen} from '../screens/compare-screen.js';
import {DetailsScreen} from '../screens/details-screen.js';
import {DoctorScreen} from '../screens/doctor-screen.js';
import {FormScreen} from '../screens/form-screen.js';
import {HelpScreen} from '../screens/help-screen.js';
import {InventoryScreen} from '../screens/inventory-screen.js';
import {ModesScreen} from '../screens/modes-screen.js';
import {PreviewScreen} from '../screens/preview-screen.js';
import {ProbeScreen} from '../screens/probe-screen.js';
import {QuestionsScreen} from '../screens/questions-screen.js';
import type {DoctorFacts} from './core/doctor/index.js';
import type {HostModel} from './core/model.js';
import type {Plan} from './core/plan.js';
import type {PlanOptions} from './plan/planner.js';
import type {ApplyService} from './host/apply-service.js';
import type {ProbeService} from './host/probe-service.js';
import {useApply} from './hooks/use-apply.js';
import {useKeypress} from './hooks/use-keypress.js';
import {useRequests} from './hooks/use-requests.js';
import {markStall, trace} from './host/trace.js';
import {initialState, reduce, type UiState} from './ui/state.js';
import {ThemeContext, type Theme} from './ui/theme.js';

export interface AppProps {
	/** Scans (or loads) the host; called at start (unless firstLoad is given) and on each refresh. */
	load: () => Promise<HostModel>;
	/** A scan already under way when the app starts, used instead of the first load(). */
	firstLoad?: Promise<HostModel>;
	theme: Theme;
	/** Where the wizard's plans keep their files, given the network's name. */
	planDirectory?: PlanOptions['directory'];
	/** Writes a plan's files; returns the paths written. */
	save?: (plan: Plan) => Promise<string[]>;
	/** Applies plans from the preview (`a`) and the doctor's fixes (`f`). */
	applier?: ApplyService;
	/** Reads what the doctor needs beyond the inventory (sysctls, firewall, listeners…) for this host. */
	diagnose?: (host: HostModel) => Promise<DoctorFacts>;
	/** Measures what a guest on a network reaches (p on a network, or after an apply). */
	prober?: ProbeService;
	/** What the first scan is doing, for the screen until it is in ("Scanning this host…" by default). */
	scanning?: string;
}

/** The current screen, given only the parts of the state it shows (each screen's props are in its file). A screen
 * whose part is missing shows nothing; the reducer never opens one without it (the wizard's screens need the host). */
function Screen({state, scanning}: {state: UiState; scanning?: string}) {
	const {model, wizard, width, height} = state;
	switch (state.screen) {
		case 'details':
			return state.details ? (
				<DetailsScreen details={state.details} offset={state.detailsOffset} width={width} height={height} />
			) : null;
		case 'help':
			return <HelpScreen model={model} width={width} />;
		case 'modes':
			return model ? <ModesScreen wizard={wizard} model={model} width={width} height={height} /> : null;
		case 'questions':
			return model ? <QuestionsScreen wizard={wizard} model={model} width={width} /> : null;
		case 'compare':
			return model ? <CompareScreen wizard={wizard} model={model} width={width} height={height} /> : null;
		case 'form':
			return model ? <FormScreen wizard={wizard} model={model} width={width} height={height} /> : null;
		case 'preview':
			return <PreviewScreen wizard={wizard} width={width} height={height} />;
		case 'apply':
			return state.apply ? <ApplyScreen view={state.apply} model={model} width={width} height={height} /> : null;
		case 'probe':
			return state.probe ? <ProbeScreen view={state.probe} model={model} width={width} height={height} /> : null;
		case 'doctor':
			return state.doctor ? <DoctorScreen view={state.doctor} model={model} width={width} height={height} /> : null;
		case 'inventory':
			return (
				<InventoryScreen
					model={model}
					tables={state.tables}
					tab={state.tab}
					cursor={state.cursor[state.tab]}
					offset={state.offset[state.tab]}
					loading={state.loading}
					loadError={state.loadError}
					{...(state.notice ? {notice: state.notice} : {})}
					{...(scanning ? {scanning} : {})}
					width={width}
					height={height}
				/>
			);
	}
}

export function App({load, firstLoad, theme, planDirectory, save, applier, diagnose, prober, scanning}: AppProps) {
	const {exit} = useApp();
	const {stdout} = useStdout();
	const [state, dispatch] = useReducer(reduce, undefined, () =>
		initialState(stdout.columns || 80, stdout.rows || 24, planDirectory),
	);
	useKeypress((key) => dispatch({type: 'key', key}));
	const apply = useApply(state, dispatch, applier);
	useRequests(state, dispatch, {load, firstLoad, save, diagnose, apply, ...(prober ? {probe: prober} : {})});

	// An apply or undo that a dead process left half-way is offered for undoing before anything else.
	useEffect(() => {
		void applier?.interrupted().then((journal) => {
			if (journal) dispatch({type: 'interrupted', journal});
		});
	}, [applier]);

	// For the benchmark: when each scan's inventory reaches the screen, and how long the loop stalled meanwhile.
	const scansShown = useRef(0);
	useEffect(() => {
		if (!state.model) return;
		const refresh = scansShown.current++;
		trace('inventory-frame', {refresh, rows: state.tables?.[state.tab].rows.length});
		markStall(refresh === 0 ? 'scan' : 'refresh');
		// Once per scan that reaches the screen, not again when the tab or cursor moves.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [state.model]);

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
			<Screen state={state} {...(scanning ? {scanning} : {})} />
		</ThemeContext.Provider>
	);
}
