// A real libvirtd for tests, alone in its own network, mount and pid namespace (libvirtd-ns.sh beside this
// file). Its networks' bridges, dnsmasq and firewall rules live in that namespace and die with it.
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {run, sweepStaleNamespaces, type Exec} from './netns.js';

const script = fileURLToPath(new URL('./libvirtd-ns.sh', import.meta.url));
const running = new Set<string>();

process.once('exit', () => {
	for (const name of running) {
		try {
			execFileSync('bash', [script, 'down', name], {stdio: 'ignore'});
		} catch {
			// Best effort: the namespace sweep at the next start catches what is left.
		}
	}
});

export class Libvirtd {
	private constructor(
		/** The network namespace libvirtd runs in. */
		readonly namespace: string,
		readonly uri: string,
	) {}

	static async start(purpose: string, env: Record<string, string> = {}): Promise<Libvirtd> {
		await sweepStaleNamespaces();
		const name = `kvmt-${purpose}-${process.pid}`;
		running.add(name);
		const {stdout} = await run(['bash', script, 'up', name], {
			env: {...process.env, ...env} as Record<string, string>,
			timeout: 60_000,
		});
		const uri = stdout.trim().split('\n').pop()!;
		return new Libvirtd(name, uri);
	}

	/** Run virsh commands (";"-separated, virsh's own syntax) against this daemon. */
	virsh(commands: string): Promise<Exec> {
		return run(['virsh', '-q', '-c', this.uri, commands]);
	}

	/** Run argv inside the daemon's network namespace. */
	exec(argv: string[], env?: Record<string, string>): Promise<Exec> {
		return run(['ip', 'netns', 'exec', this.namespace, ...argv], env ? {env} : {});
	}

	async stop(): Promise<void> {
		await run(['bash', script, 'down', this.namespace]).catch(() => undefined);
		running.delete(this.namespace);
	}
}
