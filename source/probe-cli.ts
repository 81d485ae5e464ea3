// `kvmnet probe NETWORK`: the probe's non-interactive path. It measures what a guest on the network reaches (see
// host/probe.ts) and prints the matrix or its JSON; Ctrl-C stops it before its next command, after it removed what it
// made. On a host reached over ssh, the host's own kvmnet runs it.
import type {CliArgs} from './args.js';
import {parseConnection} from './core/connection.js';
import {probeExitCode} from './core/probe.js';
import {visible} from './core/visible.js';
import {loadHost} from './host/load-host.js';
import {probeNetwork} from './host/probe.js';
import {runnerFor} from './host/scan.js';
import {resolveLibvirtUri} from './host/virsh.js';
import {runRemoteProbe} from './remote-cli.js';
import {catchStopSignals, signalExitCode, type StopSignal} from './stop-signals.js';
import {probeText} from './ui/probe-text.js';

export async function runProbe(args: CliArgs): Promise<number> {
	const uri = resolveLibvirtUri(args.connect);
	const connection = parseConnection(uri);
	if (connection.kind === 'ssh') return runRemoteProbe(args, connection);
	const host = await loadHost(args.connect ? {connect: args.connect} : {});
	if (!host.header.isRoot) {
		process.stderr.write(
			'kvmnet: probe makes network namespaces and links on the host: it needs root (sudo kvmnet probe …)\n',
		);
		return 2;
	}
	if (!host.header.libvirt.reachable) {
		process.stderr.write(
			`${visible(`kvmnet: probe: libvirt at ${host.header.libvirt.uri} does not answer (${host.header.libvirt.error ?? 'no reply'}), so its networks are not known`)}\n`,
		);
		return 2;
	}
	const network = host.networks.find((n) => n.name === args.network);
	if (!network) {
		const names = host.networks.map((n) => n.name).join(', ') || 'none';
		process.stderr.write(
			`${visible(`kvmnet: probe: there is no network "${args.network}" on ${host.header.hostname} (networks: ${names})`)}\n`,
		);
		return 2;
	}
	const stop = new AbortController();
	let received: StopSignal | undefined;
	const release = catchStopSignals((signal) => {
		received ??= signal;
		stop.abort();
	});
	try {
		const report = await probeNetwork(runnerFor(host.header.libvirt.uri), host, network, {
			...(args.target ? {target: args.target} : {}),
			stop: stop.signal,
			onCommand: (argv) => {
				if (!args.json && process.stderr.isTTY) process.stderr.write(`${visible(`  $ ${argv.join(' ')}`)}\n`);
			},
		});
		if (received) {
			process.stderr.write(`kvmnet: ${received}: the probe stopped; what it made is removed.\n`);
			return signalExitCode[received];
		}
		process.stdout.write(
			args.json
				? `${JSON.stringify({network: report.network, mode: report.mode, attach: report.attach, ...(report.target ? {target: report.target} : {}), checks: report.checks}, null, 2)}\n`
				: probeText(report),
		);
		return probeExitCode(report);
	} finally {
		release();
	}
}
