// ifupdown's own tools judge the plans' stanzas: the plan's /etc/network/interfaces and its interfaces.d file are
// joined as `source /etc/network/interfaces.d/*` would join them, and `ifquery` and `ifup --no-act` (which prints
// what it would run and runs nothing) say what the host would do at the next boot.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import {loadDemoHost} from '../source/host/demo.js';
import {makePlan} from '../source/plan/planner.js';

const hasIfupdown =
	(await execa('ifquery', ['--version'], {reject: false}).catch(() => ({exitCode: 1}))).exitCode === 0;

// The demo host's eth0: 192.0.2.10/24 via 192.0.2.1, written as a Debian installer writes it.
const interfaces = `# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug eth0
iface eth0 inet static
	address 192.0.2.10/24
	gateway 192.0.2.1
	dns-nameservers 192.0.2.53
	dns-search lab.example
	mtu 1500

source /etc/network/interfaces.d/*
`;

describe.skipIf(!hasIfupdown)('ifupdown plans through ifquery and ifup --no-act', () => {
	let host: HostModel;
	const scratch = mkdtempSync(join(tmpdir(), 'kvmnet-ifupdown-'));
	beforeAll(async () => {
		const demo = await loadDemoHost();
		host = {
			...demo,
			capabilities: {
				...demo.capabilities,
				networkManager: {
					kind: 'ifupdown',
					reason: 'test',
					connections: {},
					files: [{path: '/etc/network/interfaces', text: interfaces}],
				},
			},
		};
	});
	afterAll(() => rmSync(scratch, {recursive: true, force: true}));

	const query = (file: string, ...args: string[]) =>
		execa('ifquery', ['-i', file, ...args], {reject: false}).then((r) => r.stdout);

	it('a host bridge: the port keeps no address of its own at boot, the bridge has it and the DNS', async () => {
		const before = join(scratch, 'before');
		writeFileSync(before, interfaces);
		expect(await query(before, 'eth0')).toContain('address: 192.0.2.10');
		const result = makePlan('bridge', {bridge: 'br9', uplink: 'eth0'}, host, {
			uri: 'qemu:///system',
			directory: () => '/tmp/p',
		});
		expect(result.errors).toEqual([]);
		const writes = result.plan!.steps.flatMap((s) => s.writes ?? []);
		const main = writes.find((w) => w.path === '/etc/network/interfaces')!;
		const own = writes.find((w) => w.path === '/etc/network/interfaces.d/kvmnet-br9')!;
		expect(result.plan!.steps.find((s) => s.run.join(' ') === 'ifup br9')?.needs).toEqual(['brctl']);
		const after = join(scratch, 'after');
		writeFileSync(after, `${main.content.replace('source /etc/network/interfaces.d/*', '')}\n${own.content}`);
		expect(await query(after, '--list', '--allow', 'hotplug')).toBe('eth0');
		const port = await query(after, 'eth0');
		expect(port).not.toMatch(/address|gateway|dns-/);
		expect(port).toContain('mtu: 1500');
		const bridge = await query(after, 'br9');
		expect(bridge).toContain('address: 192.0.2.10');
		expect(bridge).toContain('bridge_ports: eth0');
		expect(bridge).toContain('dns-nameservers: 192.0.2.53');
		expect(bridge).toContain('dns-search: lab.example');
		const dryPort = await execa('ifup', ['--no-act', '-i', after, '--state-dir', join(scratch, 'state'), 'eth0'], {
			reject: false,
		});
		expect(`${dryPort.stdout}\n${dryPort.stderr}`).not.toContain('ip addr add');
		const dryBridge = await execa('ifup', ['--no-act', '-i', after, '--state-dir', join(scratch, 'state'), 'br9'], {
			reject: false,
		});
		expect(`${dryBridge.stdout}\n${dryBridge.stderr}`).toMatch(/ip addr add 192\.0\.2\.10\/255\.255\.255\.0 .*dev br9/);
	});
});
