// Open vSwitch (ovsdb-server + ovs-vswitchd, userspace datapath) for tests, with its database and sockets in a
// folder of its own, inside a test's network namespace. Stopped by PID. Create it first, so a libvirtd started
// afterwards can be given the same OVS_RUNDIR; then start it in the namespace.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {run} from './netns.js';

export class Ovs {
	readonly dir = mkdtempSync(join(tmpdir(), 'kvmnet-ovs-'));

	/** Environment that points ovs-vsctl, kvmnet's scan and libvirtd at this instance. */
	get env(): Record<string, string> {
		return {
			...(process.env as Record<string, string>),
			OVS_RUNDIR: this.dir,
			OVS_DBDIR: this.dir,
			OVS_LOGDIR: this.dir,
			OVS_SYSCONFDIR: this.dir,
		};
	}

	/** Start the two daemons inside network namespace `namespace`. */
	async start(namespace: string): Promise<this> {
		const inNamespace = (argv: string[]) => run(['ip', 'netns', 'exec', namespace, ...argv], {env: this.env});
		await run(['ovsdb-tool', 'create', join(this.dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema']);
		await inNamespace([
			'ovsdb-server',
			join(this.dir, 'conf.db'),
			`--remote=punix:${this.dir}/db.sock`,
			`--pidfile=${this.dir}/ovsdb-server.pid`,
			`--log-file=${this.dir}/ovsdb-server.log`,
			'--detach',
			'--no-chdir',
		]);
		await this.vsctl('--no-wait', 'init');
		await inNamespace([
			'ovs-vswitchd',
			`unix:${this.dir}/db.sock`,
			`--pidfile=${this.dir}/ovs-vswitchd.pid`,
			`--log-file=${this.dir}/ovs-vswitchd.log`,
			'--detach',
			'--no-chdir',
		]);
		return this;
	}

	vsctl(...args: string[]) {
		return run(['ovs-vsctl', `--db=unix:${this.dir}/db.sock`, ...args], {env: this.env});
	}

	/** A bridge on the userspace datapath: the kernel datapath is not available on these machines. */
	addBridge(name: string) {
		return this.vsctl('add-br', name, '--', 'set', 'bridge', name, 'datapath_type=netdev');
	}

	async stop(): Promise<void> {
		for (const daemon of ['ovs-vswitchd', 'ovsdb-server']) {
			try {
				process.kill(Number(readFileSync(join(this.dir, `${daemon}.pid`), 'utf8').trim()), 'SIGTERM');
			} catch {
				// Not running.
			}
		}
		rmSync(this.dir, {recursive: true, force: true});
	}
}
