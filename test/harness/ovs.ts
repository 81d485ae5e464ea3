// Open vSwitch (ovsdb-server + ovs-vswitchd, userspace datapath) for tests, with its database and sockets in a
// directory of its own, inside a test's network namespace. Stopped by PID.
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {run, type Namespace} from './netns.js';

export class Ovs {
	private constructor(
		readonly dir: string,
		readonly namespace: Namespace,
	) {}

	/** Environment that points ovs-vsctl (and kvmnet's scan) at this instance. */
	get env(): Record<string, string> {
		return {...(process.env as Record<string, string>), OVS_RUNDIR: this.dir, OVS_DBDIR: this.dir, OVS_LOGDIR: this.dir, OVS_SYSCONFDIR: this.dir};
	}

	static async start(namespace: Namespace): Promise<Ovs> {
		const dir = mkdtempSync(join(tmpdir(), 'kvmnet-ovs-'));
		const ovs = new Ovs(dir, namespace);
		await run(['ovsdb-tool', 'create', join(dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema']);
		await namespace.exec(
			['ovsdb-server', join(dir, 'conf.db'), `--remote=punix:${dir}/db.sock`, `--pidfile=${dir}/ovsdb-server.pid`, `--log-file=${dir}/ovsdb-server.log`, '--detach', '--no-chdir'],
			{env: ovs.env},
		);
		await ovs.vsctl('--no-wait', 'init');
		await namespace.exec(['ovs-vswitchd', `unix:${dir}/db.sock`, `--pidfile=${dir}/ovs-vswitchd.pid`, `--log-file=${dir}/ovs-vswitchd.log`, '--detach', '--no-chdir'], {
			env: ovs.env,
		});
		return ovs;
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
