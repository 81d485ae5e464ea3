// The one place the reducer's requests are run: each queued request is taken once (the reducer drops it) and
// handed to its runner; a newer scan or doctor read makes an older one's late answer ignored.
import {useEffect, useRef, type Dispatch} from 'react';
import type {DoctorFacts} from '../core/doctor/index.js';
import type {HostModel} from '../core/model.js';
import type {Plan} from '../core/plan.js';
import type {ProbeService} from '../host/probe-service.js';
import type {Action, UiState} from '../ui/state.js';
import type {QueuedRequest} from '../ui/step.js';
import {buildTablesInTurns} from '../ui/views.js';
import type {ApplyRunner} from './use-apply.js';

export interface RequestServices {
	load: () => Promise<HostModel>;
	/** A scan already under way when the app starts, used for the first scan request. */
	firstLoad?: Promise<HostModel>;
	save?: (plan: Plan) => Promise<string[]>;
	diagnose?: (host: HostModel) => Promise<DoctorFacts>;
	apply: ApplyRunner;
	probe?: ProbeService;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function useRequests(state: UiState, dispatch: Dispatch<Action>, services: RequestServices): void {
	const taken = useRef(new Set<number>());
	const scans = useRef(0);
	const diagnoses = useRef(0);
	const mounted = useRef(true);
	useEffect(
		() => () => {
			mounted.current = false;
		},
		[],
	);
	// Called from the effect below, so it reads the state and services of the render that queued the request.
	const run = (request: QueuedRequest) => {
		switch (request.kind) {
			case 'scan': {
				const scan = ++scans.current;
				const current = () => mounted.current && scan === scans.current;
				(scan === 1 && services.firstLoad ? services.firstLoad : services.load()).then(
					async (model) => {
						const tables = await buildTablesInTurns(model);
						if (current()) dispatch({type: 'loaded', model, tables});
					},
					(error: unknown) => current() && dispatch({type: 'load-failed', error: messageOf(error)}),
				);
				return;
			}
			case 'diagnose': {
				if (!state.model) return;
				if (!services.diagnose) {
					dispatch({type: 'doctor-failed', error: 'the doctor is not available here'});
					return;
				}
				const read = ++diagnoses.current;
				const current = () => mounted.current && read === diagnoses.current;
				services.diagnose(state.model).then(
					(facts) => current() && dispatch({type: 'doctor-facts', facts}),
					(error: unknown) => current() && dispatch({type: 'doctor-failed', error: messageOf(error)}),
				);
				return;
			}
			case 'save': {
				const {plan} = request;
				if (!services.save) {
					dispatch({type: 'saved', message: 'Saving is not available here.'});
					return;
				}
				services.save(plan).then(
					(paths) => dispatch({type: 'saved', message: `Saved ${paths.length} files in ${plan.directory}`}),
					(error: unknown) => dispatch({type: 'saved', message: `Could not save: ${messageOf(error)}`}),
				);
				return;
			}
			case 'apply':
				return services.apply.apply(request.plan);
			case 'stop':
				return services.apply.stop();
			case 'keep':
				return services.apply.keep();
			case 'undo':
				return services.apply.undo();
			case 'probe': {
				if (!services.probe) return dispatch({type: 'probe-failed', error: 'the probe is not available here'});
				services.probe
					.probe(request.network, {onLine: (text) => mounted.current && dispatch({type: 'probe-line', text})})
					.then(
						(report) => mounted.current && dispatch({type: 'probe-report', report}),
						(error: unknown) => mounted.current && dispatch({type: 'probe-failed', error: messageOf(error)}),
					);
				return;
			}
			case 'probe-stop':
				return services.probe?.stop();
		}
	};

	useEffect(() => {
		const fresh = state.requests.filter((request) => !taken.current.has(request.id));
		if (fresh.length === 0) return;
		for (const request of fresh) taken.current.add(request.id);
		dispatch({type: 'requests-taken', ids: fresh.map((request) => request.id)});
		for (const request of fresh) run(request);
		// Only new requests are run (the queue changing is what says there are any).
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [state.requests]);
}
