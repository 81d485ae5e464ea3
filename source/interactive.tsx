// The interactive path, loaded only when kvmnet runs in a terminal: Ink, React and the app stay out of the
// way of `kvmnet inventory` and other script uses (they cost ~0.2 s to load).
import {render} from 'ink';
import {onExit} from 'signal-exit';
import {App} from './app.js';
import type {HostModel} from './core/model.js';
import {liveApplyService} from './host/apply-service.js';
import {remoteApplyService} from './host/remote-apply-service.js';
import {parseConnection} from './core/connection.js';
import {resolveLibvirtUri} from './host/virsh.js';
import {loadDoctorFacts, type LoadOptions} from './host/load-host.js';
import {localProbeService, remoteProbeService} from './host/probe-service.js';
import {journalDirectory, planDirectory, savePlan} from './host/plan-files.js';
import {catchStopSignals, signalExitCode} from './stop-signals.js';
import {markStall, trace} from './host/trace.js';
import {themeFor} from './ui/theme.js';

export async function runInteractive(
	load: () => Promise<HostModel>,
	loadOptions: LoadOptions = {},
	firstScan?: Promise<HostModel>,
): Promise<number> {
	// The alternate screen keeps the shell's scrollback as it was, like any full-screen terminal program.
	const leaveAlternateScreen = () => process.stdout.write('\x1b[?1049l');
	process.stdout.write('\x1b[?1049h\x1b[H');
	// On a fatal signal too (SIGTERM, SSH's SIGHUP): signal-exit runs this, then lets the signal end the process.
	const removeExitHook = onExit(() => void leaveAlternateScreen());
	// A host reached over ssh is changed by kvmnet there (its journal and guard too); any other, from here.
	const connection = parseConnection(resolveLibvirtUri(loadOptions.connect, loadOptions.env));
	const applier =
		connection.kind === 'ssh'
			? remoteApplyService(connection.uri, connection)
			: liveApplyService({
					load: loadOptions,
					journalDir: journalDirectory(),
					guardCommand: [process.execPath, process.argv[1]!],
				});
	const prober = connection.kind === 'ssh' ? remoteProbeService(connection) : localProbeService(loadOptions);
	const app = (
		<App
			load={load}
			firstLoad={firstScan}
			theme={themeFor(process.env)}
			planDirectory={(name) => planDirectory(name)}
			save={(plan) => savePlan(plan, plan.directory)}
			applier={applier}
			diagnose={(host) => loadDoctorFacts(host)}
			prober={prober}
			{...(connection.kind === 'ssh'
				? {scanning: `Connecting to ${connection.label} over ssh and scanning it…`}
				: connection.kind === 'no-shell'
					? {scanning: `Asking libvirt on ${connection.host} over ${connection.transport}…`}
					: {})}
		/>
	);
	// 60 frames a second at most: a key is drawn within a frame's time of arriving.
	const instance = render(app, {
		exitOnCtrlC: false,
		patchConsole: false,
		maxFps: 60,
		...(process.env['KVMNET_TRACE'] ? {onRender: () => trace('render')} : {}),
	});
	// Loading Ink and the first render block the loop before there is a UI to be unresponsive: measured apart.
	markStall('startup');
	// SIGTERM, SIGHUP (the SSH session gone) or SIGINT: an apply under way stops before its next step and rolls
	// back, an undo finishes, a probe removes what it made, then the app exits with the signal's status.
	let exitCode = 0;
	const release = catchStopSignals((signal) => {
		if (exitCode !== 0) return;
		exitCode = signalExitCode[signal];
		applier.stop(`Received ${signal}`);
		prober.stop();
		void Promise.all([applier.idle(), prober.idle()]).then(() => instance.unmount());
	});
	try {
		await instance.waitUntilExit();
		// The probe screen only lets the app quit once its probe ended; this holds the process until it has cleaned up.
		prober.stop();
		await prober.idle();
	} finally {
		release();
	}
	// Back to the shell's screen at once, not when the process ends (a scan's commands may still be dying).
	removeExitHook();
	leaveAlternateScreen();
	return exitCode;
}
