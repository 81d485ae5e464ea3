// The fault matrix on a NAT plan that also attaches a defined VM (define, start, autostart, attach-device): see
// harness/fault-matrix.ts. The VM's interfaces and the firewall rules libvirt adds are part of the state compared.
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe} from 'vitest';
import {runCli} from './harness/cli.js';
import {faultMatrix} from './harness/fault-matrix.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot} from './harness/netns.js';
import {namespaceSnapshot} from './harness/snapshot.js';

describe.skipIf(!isRoot)('faults at every step of a NAT plan that attaches a VM', () => {
	let daemon: Libvirtd;
	faultMatrix(
		async () => {
			daemon = await Libvirtd.start('fnat');
			const work = mkdtempSync(join(tmpdir(), 'kvmnet-fnat-'));
			const domain = join(work, 'victim.xml');
			writeFileSync(
				domain,
				"<domain type='qemu'><name>victim</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>\n",
			);
			const warm = join(work, 'warm.xml');
			// libvirt makes its firewall chains when the first network starts and keeps them: made here, before any snapshot.
			writeFileSync(
				warm,
				"<network><name>warm</name><bridge name='kvwarm'/><forward mode='nat'/><ip address='192.168.250.1' prefix='24'/></network>\n",
			);
			await daemon.virsh(`define ${domain}; net-create ${warm}; net-destroy warm`);
			const env = {
				...(process.env as Record<string, string>),
				KVMNET_NETWORK_MANAGER: 'iproute2',
				LIBVIRT_DEFAULT_URI: daemon.uri,
			};
			const out = join(work, 'plan');
			const planned = await runCli(
				['plan', '--mode', 'nat', '--name', 'f-nat', '--bridge', 'kvbn', '--vms', 'victim', '--out', out],
				{namespace: daemon.namespace, env: {...env, KVMNET_STATE_DIR: join(work, 'state')}},
			);
			if (planned.exitCode !== 0) throw new Error(planned.stderr);
			const firewall = async () =>
				(await daemon.exec(['iptables-save'])).stdout.replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, '');
			return {
				namespace: daemon.namespace,
				env,
				planFile: join(out, 'plan.json'),
				snapshot: () =>
					namespaceSnapshot(daemon, env, {
						vm: async () => (await daemon.virsh('domiflist victim --inactive')).stdout,
						firewall,
					}),
			};
		},
		async () => daemon?.stop(),
	);
});
