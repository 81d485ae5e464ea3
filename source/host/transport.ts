// Where the host's commands run: here, or on the host the libvirt URI names, over one ssh connection for the whole
// session (OpenSSH ControlMaster: the first command opens it, every later one is a new channel in it, with no new
// handshake). virsh runs there too, with the host's own URI: one connection, and one round trip per virsh turn,
// where libvirt's own ssh transport would open a connection per virsh process. A host reached over tls or tcp has no
// shell for kvmnet: only virsh runs (here, libvirt being the transport), and everything else is refused, never run
// here in its place.
import {execFileSync} from 'node:child_process';
import {lstatSync, mkdtempSync, readdirSync, rmdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {onExit} from 'signal-exit';
import {parseConnection, shellQuote, type Connection, type SshTarget} from '../core/connection.js';

export interface Transport {
	readonly connection: Connection;
	/** For the header and messages: "this machine", "ssh root@kvm2", "qemu+tls (no shell)". */
	readonly where: string;
	/**
	 * The argv to spawn here so that `argv` runs on the host with `env` set there; or why it cannot run there.
	 * Local commands get `env` through the spawn itself.
	 */
	route(
		argv: string[],
		env: Record<string, string>,
	): {argv: string[]; env?: Record<string, string>} | {refused: string};
	/** The ssh master's socket, once the first command has named it: its appearing says the connection is up. */
	controlSocket?(): string | undefined;
	/**
	 * Close the shared connection, so that the next command makes a new one: confirming a change to the host's
	 * network proves that a new connection gets through, not only that the old one survived.
	 */
	closeShared?(): void;
}

export const localTransport: Transport = {
	connection: {kind: 'local', uri: 'qemu:///system'},
	where: 'this machine',
	route: (argv, env) => ({argv, env}),
};

/**
 * Folders a SIGKILLed kvmnet left: its master closed itself when idle (ControlPersist), so they are empty, or
 * hold a socket nothing listens on any more. Those older than a minute are removed.
 */
function sweepStaleControlFolders(): void {
	try {
		for (const name of readdirSync(tmpdir())) {
			if (!name.startsWith('kvmnet-ssh-')) continue;
			const folder = join(tmpdir(), name);
			const stat = lstatSync(folder);
			if (!stat.isDirectory() || Date.now() - stat.mtimeMs < 60_000) continue;
			const entries = readdirSync(folder);
			if (entries.length === 0) rmdirSync(folder);
		}
	} catch {
		// Best effort: another kvmnet may be sweeping too.
	}
}

/** The options every ssh of the session gets: the URI's own, no prompts, and the shared connection. */
export function sshOptions(target: SshTarget, controlPath: string): string[] {
	const options = [
		'-T',
		'-o',
		'BatchMode=yes',
		'-o',
		'ConnectTimeout=10',
		'-o',
		'ServerAliveInterval=5',
		'-o',
		'ServerAliveCountMax=3',
		'-o',
		'ControlMaster=auto',
		'-o',
		`ControlPath=${controlPath}`,
		// The master outlives each command (and, by this long, a kvmnet that was killed): then it closes itself.
		'-o',
		'ControlPersist=30',
		'-o',
		'LogLevel=ERROR',
	];
	if (target.port !== undefined) options.push('-p', String(target.port));
	if (target.user !== undefined) options.push('-l', target.user);
	if (target.keyfile !== undefined) options.push('-i', target.keyfile, '-o', 'IdentitiesOnly=yes');
	if (target.knownHosts !== undefined) options.push('-o', `UserKnownHostsFile=${target.knownHosts}`);
	// As libvirt's ssh transport does for no_verify=1; and, where libvirt would leave the key it did not check in
	// ~/.ssh/known_hosts for good (so the same URI without no_verify then connects unchecked), kvmnet keeps nothing.
	if (target.noVerify) {
		options.push('-o', 'StrictHostKeyChecking=no');
		if (target.knownHosts === undefined) options.push('-o', 'UserKnownHostsFile=/dev/null');
	}
	return options;
}

/** The one command line the far side's shell gets: each word quoted, the environment set with env(1). */
export function remoteCommand(argv: string[], env: Record<string, string>): string {
	const assignments = Object.entries(env).map(([key, value]) => shellQuote(`${key}=${value}`));
	return ['exec', 'env', ...assignments, ...argv.map(shellQuote)].join(' ');
}

function sshTransport(connection: Extract<Connection, {kind: 'ssh'}>): Transport {
	let directory: string | undefined;
	const controlPath = () => {
		if (!directory) {
			sweepStaleControlFolders();
			directory = mkdtempSync(join(tmpdir(), 'kvmnet-ssh-'));
			// However kvmnet ends (but SIGKILL), the connection is closed; after SIGKILL it closes itself when idle.
			const made = directory;
			onExit(() => {
				closeMaster(made);
				rmSync(made, {recursive: true, force: true});
			});
		}
		return join(directory, 'master');
	};
	/** Close the shared connection (the next command opens a new one); nothing when it is closed already. */
	const closeMaster = (folder: string) => {
		try {
			execFileSync(
				'ssh',
				[...sshOptions(connection.ssh, join(folder, 'master')), '-O', 'exit', '--', connection.ssh.host],
				{
					stdio: 'ignore',
					timeout: 2000,
				},
			);
		} catch {
			// Already closed.
		}
	};
	const base = () => ['ssh', ...sshOptions(connection.ssh, controlPath()), '--', connection.ssh.host];
	return {
		connection,
		where: `ssh ${connection.label}`,
		route: (argv, env) => ({argv: [...base(), remoteCommand(argv, env)]}),
		controlSocket: () => (directory ? join(directory, 'master') : undefined),
		closeShared: () => {
			if (directory) closeMaster(directory);
		},
	};
}

function noShellTransport(connection: Extract<Connection, {kind: 'no-shell'}>): Transport {
	const why = `host facts unavailable over ${connection.transport}: kvmnet has no shell on ${connection.host}`;
	return {
		connection,
		where: `${connection.transport} to ${connection.host} (libvirt only, no shell)`,
		// libvirt is the transport: virsh runs here with the URI itself.
		route: (argv, env) => (argv[0] === 'virsh' ? {argv, env} : {refused: why}),
	};
}

/** The transport for a libvirt URI (throws ConnectionError, naming the part, for one kvmnet cannot follow). */
export function transportFor(uri: string): Transport {
	const connection = parseConnection(uri);
	if (connection.kind === 'ssh') return sshTransport(connection);
	if (connection.kind === 'no-shell') return noShellTransport(connection);
	return {...localTransport, connection};
}
