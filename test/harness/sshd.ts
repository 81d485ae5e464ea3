// A real OpenSSH server for remote-host tests: started by the test inside a network namespace (and a UTS namespace
// of its own, so the "remote" has its own hostname), on one address, with its own host key, client key, config and
// authorized key, all in a temporary folder; stopped by its pid, the folder removed.
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {run} from './netns.js';

const sshdPath = '/usr/sbin/sshd';
export const haveSshd = existsSync(sshdPath);

export class Sshd {
	private constructor(
		readonly address: string,
		readonly port: number,
		readonly hostname: string,
		/** The client's private key, for keyfile= in the URI. */
		readonly keyfile: string,
		/** A known_hosts file that holds the server's key, for known_hosts= in the URI. */
		readonly knownHosts: string,
		readonly folder: string,
		private readonly child: ChildProcess,
	) {}

	/**
	 * `env`: set in every session (sshd's SetEnv), as a host's own configuration would set it for kvmnet there.
	 * `binds`: [file, over] pairs bind-mounted in the server's own mount namespace (a host with another node, say).
	 */
	static async start(
		namespace: string,
		address: string,
		hostname: string,
		options: {port?: number; env?: Record<string, string>; binds?: [string, string][]} = {},
	): Promise<Sshd> {
		const port = options.port ?? 2222;
		const binds = options.binds ?? [];
		const folder = mkdtempSync(join(tmpdir(), 'kvmt-sshd-'));
		await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(folder, 'host_key')]);
		await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(folder, 'client_key')]);
		writeFileSync(join(folder, 'authorized_keys'), readFileSync(join(folder, 'client_key.pub')));
		const hostKey = readFileSync(join(folder, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
		writeFileSync(join(folder, 'known_hosts'), `[${address}]:${port} ${hostKey}\n`);
		writeFileSync(
			join(folder, 'sshd_config'),
			[
				`Port ${port}`,
				`ListenAddress ${address}`,
				`HostKey ${join(folder, 'host_key')}`,
				`PidFile ${join(folder, 'sshd.pid')}`,
				`AuthorizedKeysFile ${join(folder, 'authorized_keys')}`,
				'PermitRootLogin yes',
				'StrictModes no',
				'UsePAM no',
				'PasswordAuthentication no',
				'KbdInteractiveAuthentication no',
				'MaxSessions 50',
				'MaxStartups 50',
				...Object.entries(options.env ?? {}).map(([key, value]) => `SetEnv ${key}=${value}`),
				'',
			].join('\n'),
		);
		mkdirSync('/run/sshd', {recursive: true});
		writeFileSync(join(folder, 'empty'), '');
		// unshare --uts: the remote's own hostname. --mount: root's ~/.bashrc (which sshd's bash -c reads) is an empty
		// file there, so the remote is a plain host and not this machine's login set-up (pyenv here costs ~1 s per
		// command). sh then becomes sshd (exec), so the pid is sshd's.
		const child = spawn(
			'ip',
			[
				'netns',
				'exec',
				namespace,
				'unshare',
				'--uts',
				'--mount',
				'--propagation',
				'private',
				'sh',
				'-c',
				`hostname "$1" && { [ ! -e /root/.bashrc ] || mount --bind "$3" /root/.bashrc; } && ${binds.map((_, i) => `mount --bind "\${${4 + 2 * i}}" "\${${5 + 2 * i}}" && `).join('')}exec ${sshdPath} -D -e -f "$2"`,
				'sh',
				hostname,
				join(folder, 'sshd_config'),
				join(folder, 'empty'),
				...binds.flat(),
			],
			{stdio: ['ignore', 'ignore', 'pipe']},
		);
		let log = '';
		child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
		const sshd = new Sshd(
			address,
			port,
			hostname,
			join(folder, 'client_key'),
			join(folder, 'known_hosts'),
			folder,
			child,
		);
		for (let i = 0; i < 100; i++) {
			if (existsSync(join(folder, 'sshd.pid'))) return sshd;
			if (child.exitCode !== null) break;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		await sshd.stop();
		throw new Error(`sshd did not start: ${log}`);
	}

	/** A qemu+ssh URI for this server, its key and known hosts, reaching `socket` (the remote libvirtd's). */
	uri(socket: string, extra = ''): string {
		return `qemu+ssh://root@${this.address}:${this.port}/system?socket=${socket}&keyfile=${this.keyfile}&known_hosts=${this.knownHosts}${extra}`;
	}

	async stop(): Promise<void> {
		this.child.kill('SIGKILL');
		rmSync(this.folder, {recursive: true, force: true});
	}
}
