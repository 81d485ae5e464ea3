// SIGINT, SIGTERM and SIGHUP while kvmnet changes the host: the work in hand decides what follows (an apply stops
// before its next step and rolls back, an undo carries on to its end), never an exit in the middle of a step. Our
// listeners stay installed until the work is over: signal-exit (inside execa and Ink) re-raises a signal when it is
// the only listener left, which would kill the process mid-rollback (node_modules/signal-exit/dist/mjs/index.js).
export const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof stopSignals)[number];

/** The shell's exit status for a process ended by the signal: 128 + its number. */
export const signalExitCode: Record<StopSignal, number> = {SIGHUP: 129, SIGINT: 130, SIGTERM: 143};

/** Call `onSignal` for each stop signal until the returned function is called. */
export function catchStopSignals(onSignal: (signal: StopSignal) => void): () => void {
	const handler = (signal: NodeJS.Signals) => onSignal(signal as StopSignal);
	for (const signal of stopSignals) process.on(signal, handler);
	return () => {
		for (const signal of stopSignals) process.off(signal, handler);
	};
}

const ignore = () => undefined;

/**
 * A closed pipe (`kvmnet apply … | head`) or a hung-up terminal makes writes fail (EPIPE, EIO). Those errors are
 * ignored, so output never stops an apply or an undo half-way: the journal carries the whole log.
 */
export function ignoreOutputErrors(): void {
	process.stdout.on('error', ignore);
	process.stderr.on('error', ignore);
}
