// `kvmnet probe NETWORK`: the probe's non-interactive path. It measures what a guest on the network reaches (see
// host/probe.ts) and prints the matrix or its JSON; Ctrl-C stops it before its next command, after it removed what it
// made. On a host reached over ssh, the host's own kvmnet runs it. With --events (the kvmnet that started this one
// over ssh), each command is a log event and the matrix the last one; a "stop" line on stdin, or stdin closing,
// stops it: nobody is left to read its result.
import {createInterface} from 'node:readline';
import type {CliArgs} from './args.js';
import {eventLine, stopRequest} from './core/agent-events.js';
import {parseConnection} from './core/connection.js';
import {probeExitCode} from './core/probe.js';
import {visible} from './core/visible.js';
import {localProbeService, ProbeRefusal} from './host/probe-service.js';
import {resolveLibvirtUri} from './host/virsh.js';
import {runRemoteProbe} from './remote-cli.js';
import {catchStopSignals, signalExitCode, type StopSignal} from './stop-signals.js';
import {probeText} from './ui/probe-text.js';

export async function runProbe(args: CliArgs): Promise<number> {
	const connection = parseConnection(resolveLibvirtUri(args.connect));
	if (connection.kind === 'ssh') return runRemoteProbe(args, connection);
	const service = localProbeService(args.connect ? {connect: args.connect} : {});
	let received: StopSignal | undefined;
	const release = catchStopSignals((signal) => {
		received ??= signal;
		service.stop();
	});
	const requests = args.events ? createInterface({input: process.stdin}) : undefined;
	requests?.on('line', (line) => line.trim() === stopRequest && service.stop());
	requests?.on('close', () => service.stop());
	const log = (text: string) => {
		if (args.events)
			process.stdout.write(eventLine({log: {time: new Date().toISOString(), step: -1, stream: 'info', text}}));
		else if (!args.json && process.stderr.isTTY) process.stderr.write(`${visible(`  ${text}`)}\n`);
	};
	try {
		const report = await service.probe(args.network!, {...(args.target ? {target: args.target} : {}), onLine: log});
		if (received) {
			process.stderr.write(`kvmnet: ${received}: the probe stopped; what it made is removed.\n`);
			return signalExitCode[received];
		}
		if (args.events) process.stdout.write(eventLine({probe: report}));
		else
			process.stdout.write(
				args.json
					? `${JSON.stringify({network: report.network, mode: report.mode, attach: report.attach, ...(report.target ? {target: report.target} : {}), checks: report.checks}, null, 2)}\n`
					: probeText(report),
			);
		return probeExitCode(report);
	} catch (error) {
		if (!(error instanceof ProbeRefusal)) throw error;
		process.stderr.write(`${visible(`kvmnet: probe: ${error.message}`)}\n`);
		return 2;
	} finally {
		release();
		requests?.close();
		if (args.events) process.stdin.destroy();
	}
}
