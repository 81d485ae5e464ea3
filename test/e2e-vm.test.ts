// End to end: plan and apply a NAT network that attaches a tiny VM (a Debian kernel and a busybox initramfs under
// qemu, TCG), boot it, and read its console: it takes a lease in the plan's DHCP range and pings the gateway.
// Then `kvmnet undo` takes the network and the VM's interface away again.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parseIpv4} from '../source/core/net.js';
import type {Plan} from '../source/core/plan.js';
import {runCli} from './harness/cli.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot} from './harness/netns.js';

const vmImages = '/tmp/kvmnet-tinyvm';
const canBoot = isRoot && existsSync('/usr/bin/qemu-system-x86_64') && existsSync('/bin/busybox');

describe.skipIf(!canBoot)('a tiny VM on an applied NAT network', () => {
	let daemon: Libvirtd;
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-e2e-'));
	const consoleLog = join(work, 'console.log');
	const env = {
		...(process.env as Record<string, string>),
		KVMNET_STATE_DIR: join(work, 'state'),
		KVMNET_NETWORK_MANAGER: 'iproute2',
	};

	beforeAll(async () => {
		execFileSync('bash', [fileURLToPath(new URL('./harness/tiny-vm/build.sh', import.meta.url)), vmImages], {
			stdio: 'inherit',
		});
		daemon = await Libvirtd.start('e2e');
		const domain = `<domain type='qemu'>
  <name>tiny</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${vmImages}/vmlinuz</kernel><initrd>${vmImages}/initramfs.gz</initrd><cmdline>console=ttyS0 panic=-1 quiet</cmdline></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot>
  <devices><serial type='file'><source path='${consoleLog}'/><target port='0'/></serial><memballoon model='none'/></devices>
</domain>`;
		writeFileSync(join(work, 'tiny.xml'), domain);
		await daemon.virsh(`define ${join(work, 'tiny.xml')}`);
	}, 180_000);

	afterAll(async () => {
		await daemon?.stop();
	});

	it('gets a lease in the planned range, pings the gateway, and undo removes it all', async () => {
		const out = join(work, 'plan');
		const planned = await runCli(
			[
				'plan',
				'--connect',
				daemon.uri,
				'--mode',
				'nat',
				'--name',
				'e2e-nat',
				'--bridge',
				'kvbe',
				'--vms',
				'tiny',
				'--out',
				out,
			],
			{namespace: daemon.namespace, env},
		);
		expect(planned.exitCode, planned.stderr).toBe(0);
		const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as Plan;
		expect(plan.steps.map((s) => s.run[3])).toEqual(['net-define', 'net-start', 'net-autostart', 'attach-device']);
		const applied = await runCli(['apply', join(out, 'plan.json'), '--yes', '--connect', daemon.uri], {
			namespace: daemon.namespace,
			env,
		});
		expect(applied.exitCode, applied.stdout).toBe(0);
		expect(applied.stdout).toMatch(/✓ VM tiny has the interface 52:54:00:/);

		await daemon.virsh('start tiny');
		const started = Date.now();
		let console = '';
		while (!console.includes('E2E-DONE') && Date.now() - started < 90_000) {
			await new Promise((r) => setTimeout(r, 500));
			console = existsSync(consoleLog) ? readFileSync(consoleLog, 'utf8') : '';
		}
		expect(console, console).toContain('E2E-DONE');
		const lease = /LEASE ip=(\S+) mask=\S* router=(\S+)/.exec(console);
		expect(lease, console).not.toBeNull();
		const [, address, router] = lease!;
		const start = parseIpv4(plan.params['dhcp-start']!)!;
		const end = parseIpv4(plan.params['dhcp-end']!)!;
		const leased = parseIpv4(address!)!;
		expect(leased).toBeGreaterThanOrEqual(start);
		expect(leased).toBeLessThanOrEqual(end);
		expect(router).toBe(plan.params['gateway']);
		expect(console).toMatch(/3 packets transmitted, 3 packets received, 0% packet loss/);

		for (let i = 0; i < 40 && (await daemon.virsh('domstate tiny')).stdout.trim() !== 'shut off'; i++)
			await new Promise((r) => setTimeout(r, 250));
		const undone = await runCli(['undo', '--yes', '--connect', daemon.uri], {namespace: daemon.namespace, env});
		expect(undone.exitCode, undone.stdout).toBe(0);
		expect((await daemon.virsh('net-list --all --name')).stdout).not.toContain('e2e-nat');
		expect((await daemon.virsh('domiflist tiny --inactive')).stdout).not.toContain('52:54:00');
	}, 180_000);
});
