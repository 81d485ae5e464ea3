// What kvmnet running on a remote host (its agent) tells the kvmnet that started it over ssh, one JSON object per
// line: each log line, each step's new state, the journal as it ended, or a probe's matrix. The laptop shows them as if the apply
// ran here; everything in them came from another machine, so a line that is not one of these is shown as text and
// a field of the wrong type drops the event, never the apply's outcome.
import {isJournal, type Journal, type LogLine, type StepState} from './journal.js';
import {readProbeReport, type ProbeReport} from './probe.js';

export type AgentEvent =
	| {log: LogLine}
	| {step: number; state: StepState}
	/** The journal as the agent left it, and whether its guard still runs there. */
	| {journal: Journal; guardAlive: boolean}
	/** A probe's matrix (kvmnet probe --events): its commands came before it as log lines. */
	| {probe: ProbeReport};

/** Sent on the agent's stdin by the laptop: stop the apply before its next step and roll it back. */
export const stopRequest = 'stop';

const stepStates: readonly StepState[] = ['pending', 'running', 'done', 'failed', 'undoing', 'undone', 'undo-failed'];
const streams: readonly LogLine['stream'][] = ['stdout', 'stderr', 'info', 'error'];

export const eventLine = (event: AgentEvent) => `${JSON.stringify(event)}\n`;

/** The event on one line of the agent's output; undefined for anything else (shown as text by the caller). */
export function parseEvent(line: string): AgentEvent | undefined {
	if (!line.startsWith('{')) return undefined;
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch {
		return undefined;
	}
	if (typeof value !== 'object' || value === null) return undefined;
	const event = value as Record<string, unknown>;
	if ('log' in event) {
		const log = event['log'] as Partial<LogLine> | null;
		if (
			typeof log === 'object' &&
			log !== null &&
			typeof log.time === 'string' &&
			Number.isInteger(log.step) &&
			streams.includes(log.stream as LogLine['stream']) &&
			typeof log.text === 'string'
		)
			return {log: {time: log.time, step: log.step!, stream: log.stream!, text: log.text}};
		return undefined;
	}
	if ('step' in event) {
		const {step, state} = event;
		if (typeof step === 'number' && Number.isInteger(step) && step >= 0 && stepStates.includes(state as StepState))
			return {step, state: state as StepState};
		return undefined;
	}
	if ('probe' in event) {
		const probe = readProbeReport(event['probe']);
		return probe ? {probe} : undefined;
	}
	if ('journal' in event && isJournal(event['journal']))
		return {journal: event['journal'], guardAlive: event['guardAlive'] === true};
	return undefined;
}
