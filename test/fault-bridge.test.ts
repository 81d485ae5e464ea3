// The fault matrix on a host-bridge plan over a veth uplink with IPv4 and IPv6 addresses and default routes (its
// steps move the uplink's addresses, routes and MAC to the new bridge): see harness/fault-matrix.ts.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe} from 'vitest';
import {runCli} from './harness/cli.js';
import {faultMatrix} from './harness/fault-matrix.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot, run} from './harness/netns.js';
import {namespaceSnapshot} from './harness/snapshot.js';

describe.skipIf(!isRoot)('faults at every step of a host-bridge plan', () => {
	let daemon: Libvirtd;
	faultMatrix(
		async () => {
			daemon = await Libvirtd.start('fbr');
			await run(['ip', '-n', daemon.namespace, '-batch', '-'], {
				input: [
					'link add lan0 type veth peer name lan0p',
					'link set lan0 up',
					'link set lan0p up',
					'addr add 198.18.5.2/24 dev lan0',
					'route add default via 198.18.5.1',
					'addr add fd00:5::2/64 dev lan0 nodad',
					'route add default via fe80::1 dev lan0',
				]
					.map((l) => `${l}\n`)
					.join(''),
			});
			for (let i = 0; i < 100 && (await daemon.exec(['ip', '-j', 'addr'])).stdout.includes('"tentative"'); i++)
				await new Promise((r) => setTimeout(r, 100));
			const env = {
				...(process.env as Record<string, string>),
				KVMNET_NETWORK_MANAGER: 'iproute2',
				LIBVIRT_DEFAULT_URI: daemon.uri,
			};
			const out = join(mkdtempSync(join(tmpdir(), 'kvmnet-fbr-')), 'plan');
			const planned = await runCli(
				['plan', '--mode', 'bridge', '--name', 'f-br', '--bridge', 'brf', '--uplink', 'lan0', '--out', out],
				{namespace: daemon.namespace, env: {...env, KVMNET_STATE_DIR: join(out, 'state')}},
			);
			if (planned.exitCode !== 0) throw new Error(planned.stderr);
			return {
				namespace: daemon.namespace,
				env,
				planFile: join(out, 'plan.json'),
				snapshot: () => namespaceSnapshot(daemon, env),
			};
		},
		async () => daemon?.stop(),
	);
});
