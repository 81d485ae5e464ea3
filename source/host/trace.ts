// Opt-in timing for the benchmark: with KVMNET_TRACE=FILE, kvmnet appends one JSON line per event (milliseconds
// since the process started): the first inventory frame, each key and each frame drawn, the longest event-loop
// stall of each phase, and the peak memory at exit. Without the variable, every call here does nothing.
import {appendFileSync} from 'node:fs';
import {monitorEventLoopDelay, type IntervalHistogram} from 'node:perf_hooks';

const file = process.env['KVMNET_TRACE'];
let loop: IntervalHistogram | undefined;

export function trace(event: string, data: Record<string, unknown> = {}): void {
	if (!file) return;
	appendFileSync(file, `${JSON.stringify({t: Math.round(performance.now() * 100) / 100, event, ...data})}\n`);
}

/** Start watching the event loop, and record peak memory when the process ends. */
export function startTrace(): void {
	if (!file || loop) return;
	loop = monitorEventLoopDelay({resolution: 5});
	loop.enable();
	process.once('exit', () => trace('exit', {maxRssKb: process.resourceUsage().maxRSS}));
}

/** Record the longest event-loop stall since the last mark, under `phase`, and start over. */
export function markStall(phase: string): void {
	if (!file || !loop) return;
	trace('stall', {phase, maxMs: Math.round((loop.max / 1e6) * 10) / 10});
	loop.reset();
}
