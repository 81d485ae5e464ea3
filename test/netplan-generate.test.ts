// netplan's own generator judges the plans' netplan files: the plan's writes go into a scratch root beside a
// realistic existing configuration, `netplan generate --root-dir` turns them into systemd-networkd files, and the
// test reads what networkd would do. Schema-valid YAML is not enough: netplan merges files, and a bridge file that
// generates fine can still leave the uplink's address on the port (which the test caught before the fix).
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import type {Plan} from '../source/core/plan.js';
import {loadDemoHost} from '../source/host/demo.js';
import {makePlan} from '../source/plan/planner.js';

const hasNetplan = (await execa('netplan', ['--help'], {reject: false}).catch(() => ({exitCode: 1}))).exitCode === 0;

// As cloud-init writes it on a server with a static address (the demo host's eth0: 192.0.2.10/24 via 192.0.2.1).
const cloudInit = `# This file is generated from information provided by the datasource.
network:
    version: 2
    ethernets:
        eth0:
            addresses:
            - 192.0.2.10/24
            match:
                macaddress: 52:54:00:aa:00:01
            set-name: eth0
            nameservers:
                addresses:
                - 192.0.2.53
                search:
                - lab.example
            routes:
            -   to: default
                via: 192.0.2.1
        eth1:
            dhcp4: true
            mtu: 9000
`;

describe.skipIf(!hasNetplan)('netplan plans through netplan generate', () => {
	let demo: HostModel;
	const scratch = mkdtempSync(join(tmpdir(), 'kvmnet-netplan-'));
	beforeAll(async () => {
		demo = await loadDemoHost();
	});
	afterAll(() => rmSync(scratch, {recursive: true, force: true}));

	const hostWith = (files: Record<string, string>): HostModel => ({
		...demo,
		capabilities: {
			...demo.capabilities,
			networkManager: {
				kind: 'netplan',
				reason: 'test',
				connections: {},
				files: Object.entries(files).map(([path, text]) => ({path, text})),
			},
		},
	});

	/** A root holding `files`, generated; networkd's files by name. */
	async function generate(name: string, files: Record<string, string>) {
		const root = join(scratch, name);
		rmSync(root, {recursive: true, force: true});
		for (const [path, content] of Object.entries(files)) {
			mkdirSync(dirname(join(root, path)), {recursive: true});
			writeFileSync(join(root, path), content);
			chmodSync(join(root, path), 0o600);
		}
		const result = await execa('netplan', ['generate', '--root-dir', root], {reject: false});
		const dir = join(root, 'run/systemd/network');
		const out: Record<string, string> = {};
		if (result.exitCode !== 0) return {exitCode: result.exitCode, stderr: result.stderr, networkd: out};
		for (const file of readdirSync(dir, {withFileTypes: true}).filter((f) => f.isFile()))
			out[file.name] = readFileSync(join(dir, file.name), 'utf8');
		return {exitCode: result.exitCode, stderr: result.stderr, networkd: out};
	}

	const plan = (host: HostModel, mode: string, params: Record<string, string>): Plan => {
		const result = makePlan(mode, params, host, {uri: 'qemu:///system', directory: () => '/tmp/p'});
		if (!result.plan) throw new Error(result.errors.map((e) => e.message).join('; '));
		return result.plan;
	};
	const vlanOverEth3 = (files: Record<string, string>) =>
		plan(hostWith(files), 'vlan', {'vlan-method': 'subinterface', vlan: '300', uplink: 'eth3', bridge: 'br300'});
	const applied = (existing: Record<string, string>, p: Plan) => ({
		...existing,
		...Object.fromEntries(p.steps.flatMap((s) => s.writes ?? []).map((w) => [w.path, w.content])),
	});

	it('a host bridge over a NIC with a static address: the address, routes and DNS are on the bridge only', async () => {
		const existing = {'/etc/netplan/50-cloud-init.yaml': cloudInit};
		// The stanza has match:/set-name: — kvmnet does not rewrite it and says so.
		const refused = makePlan('bridge', {bridge: 'br9', uplink: 'eth0'}, hostWith(existing), {
			uri: 'qemu:///system',
			directory: () => '/tmp/p',
		});
		expect(refused.errors.map((e) => e.message)).toEqual([
			expect.stringMatching(/^uplink: \/etc\/netplan\/50-cloud-init.yaml defines eth0 with match:/),
		]);
		const plain = {
			'/etc/netplan/50-cloud-init.yaml': cloudInit.replace(
				'            match:\n                macaddress: 52:54:00:aa:00:01\n            set-name: eth0\n',
				'',
			),
		};
		const before = await generate('before', plain);
		expect(before.exitCode).toBe(0);
		expect(before.networkd['10-netplan-eth0.network']).toContain('Address=192.0.2.10/24');
		const p = plan(hostWith(plain), 'bridge', {bridge: 'br9', uplink: 'eth0'});
		const host = p.steps.filter((s) => s.run[0] === 'netplan');
		expect(host).toHaveLength(1);
		expect(host[0]!.writes!.map((w) => w.path)).toEqual([
			'/etc/netplan/50-cloud-init.yaml',
			'/etc/netplan/90-kvmnet-br9.yaml',
		]);
		const after = await generate('after', applied(plain, p));
		expect(after.stderr).toBe('');
		expect(after.exitCode).toBe(0);
		const port = after.networkd['10-netplan-eth0.network']!;
		expect(port).toContain('Bridge=br9');
		expect(port).not.toMatch(/^Address=|^DNS=|^Gateway=|^Domains=/m);
		const bridge = after.networkd['10-netplan-br9.network']!;
		expect(bridge).toContain('Address=192.0.2.10/24');
		expect(bridge).toContain('Gateway=192.0.2.1');
		expect(bridge).toContain('DNS=192.0.2.53');
		expect(bridge).toContain('Domains=lab.example');
		// eth1, in the same file, is as it was.
		expect(after.networkd['10-netplan-eth1.network']).toBe(before.networkd['10-netplan-eth1.network']);
		// Undo puts the files back: networkd's view is the one from before.
		const undone = await generate('undone', plain);
		expect(undone.networkd).toEqual(before.networkd);
	});

	it('a VLAN over a NIC no netplan file defines: netplan generate accepts it and makes the VLAN on that NIC', async () => {
		const existing = {
			'/etc/netplan/50-cloud-init.yaml': 'network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n',
		};
		const p = vlanOverEth3(existing);
		const result = await generate('vlan', applied(existing, p));
		expect(result.stderr).not.toMatch(/is not defined/);
		expect(result.exitCode).toBe(0);
		expect(result.networkd['10-netplan-eth3.300.netdev']).toMatch(/Kind=vlan[\s\S]*Id=300/);
		expect(result.networkd['10-netplan-eth3.network']).toContain('VLAN=eth3.300');
		// A NIC that a file already defines is left to that file (its dhcp4 and the rest are not overridden).
		const defined = {
			'/etc/netplan/50-cloud-init.yaml': 'network:\n  version: 2\n  ethernets:\n    eth3:\n      dhcp4: true\n',
		};
		const q = vlanOverEth3(defined);
		expect(q.steps.flatMap((s) => s.writes ?? []).find((w) => w.path.includes('kvmnet'))!.content).not.toContain(
			'ethernets:',
		);
		expect((await generate('vlan-defined', applied(defined, q))).networkd['10-netplan-eth3.network']).toContain(
			'DHCP=ipv4',
		);
	});

	it('refuses, in words naming the file, a stanza it does not rewrite and a file it could not read', () => {
		const flow = {'/etc/netplan/01-netcfg.yaml': 'network: {version: 2, ethernets: {eth0: {dhcp4: true}}}\n'};
		expect(
			makePlan('bridge', {bridge: 'br9', uplink: 'eth0'}, hostWith(flow), {
				uri: 'qemu:///system',
				directory: () => '/tmp/p',
			}).errors[0]?.message,
		).toMatch(/^uplink: \/etc\/netplan\/01-netcfg.yaml names eth0 in a way kvmnet does not rewrite/);
		const unreadable: HostModel = {
			...demo,
			capabilities: {
				...demo.capabilities,
				networkManager: {kind: 'netplan', reason: 'test', connections: {}, files: [{path: '/etc/netplan/50-x.yaml'}]},
			},
		};
		expect(
			makePlan('bridge', {bridge: 'br9', uplink: 'eth0'}, unreadable, {
				uri: 'qemu:///system',
				directory: () => '/tmp/p',
			}).errors[0]?.message,
		).toMatch(/^uplink: kvmnet could not read \/etc\/netplan\/50-x.yaml/);
	});
});
