// The inventory against libvirt's test driver (a real libvirt parser, no daemon), on the project's host file.
import {mkdtempSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import type {HostModel, NetworkMode} from '../source/core/model.js';
import {loadDemoHost} from '../source/host/demo.js';
import {Runner} from '../source/host/runner.js';
import {scanHost} from '../source/host/scan.js';
import {inventoryJson, runCli} from './harness/cli.js';

const hostFile = fileURLToPath(new URL('../source/demo/host.xml', import.meta.url));
const uri = `test://${hostFile}`;

// What each network of source/demo/host.xml is, by how it is written.
const expectedModes: Record<string, NetworkMode> = {
	default: 'nat',
	'lab-nat6': 'nat',
	isolated: 'isolated',
	routed: 'route',
	open: 'open',
	'host-bridge': 'bridge',
	'macvtap-bridge': 'macvtap-bridge',
	'macvtap-private': 'macvtap-private',
	'macvtap-vepa': 'macvtap-vepa',
	'macvtap-passthrough': 'macvtap-passthrough',
	'sriov-pool': 'hostdev',
	'vf-list': 'hostdev',
	ovs: 'ovs',
	'vlan-bridge': 'bridge',
};

const modes = (model: HostModel) => Object.fromEntries(model.networks.map((n) => [n.name, n.mode]));

describe('inventory through virsh -c test:///…/host.xml', () => {
	it('classifies every network and reads every VM interface, from one virsh process', async () => {
		const runner = new Runner();
		const model = await scanHost({connect: uri, runner});
		expect(model.header.libvirt).toMatchObject({reachable: true, uri});
		expect(model.header.libvirt.version).toMatch(/^\d+\.\d+\.\d+$/);
		expect(modes(model)).toEqual(expectedModes);
		// One virsh process answers every question of the scan, asked over its stdin.
		expect(runner.history.filter((argv) => argv[0] === 'virsh')).toEqual([['virsh', '-q', '-c', uri]]);

		const byName = Object.fromEntries(model.networks.map((n) => [n.name, n]));
		expect(byName['default']).toMatchObject({active: true, persistent: true, autostart: false, bridge: 'virbr0'});
		expect(byName['default']!.ips[0]).toMatchObject({
			address: '192.168.122.1',
			prefix: 24,
			dhcpRanges: [{start: '192.168.122.2', end: '192.168.122.254'}],
		});
		expect(byName['default']!.ips[0]!.dhcpHosts).toEqual([
			{ip: '192.168.122.10', mac: '52:54:00:01:00:01', name: 'web01'},
		]);
		expect(byName['lab-nat6']!.ips.map((ip) => ip.family)).toEqual(['ipv4', 'ipv6']);
		expect(byName['lab-nat6']!.domain).toBe('lab.internal');
		expect(byName['routed']!.forwardDev).toBe('eth0');
		expect(byName['macvtap-bridge']!.forwardInterfaces).toEqual(['eth1']);
		expect(byName['sriov-pool']!.pfDev).toBe('enp3s0f0');
		expect(byName['vf-list']!.hostdevAddresses).toEqual(['0000:03:10.0', '0000:03:10.2']);
		expect(byName['ovs']!.virtualport).toBe('openvswitch');
		expect(byName['ovs']!.portgroups).toEqual([
			{name: 'vlan-100', isDefault: true, vlan: {tags: [{id: 100}], trunk: false}},
			{name: 'trunk', isDefault: false, vlan: {tags: [{id: 100}, {id: 200, nativeMode: 'untagged'}], trunk: true}},
		]);
		expect(byName['default']!.xml).toContain("<forward mode='nat'>");

		const vms = Object.fromEntries(model.vms.map((vm) => [vm.name, vm]));
		expect(Object.keys(vms).sort()).toEqual(['db01', 'lab01', 'web01']);
		expect(vms['db01']!.state).toBe('shut off');
		expect(vms['web01']!.state).toBe('running');
		const types = model.vms.flatMap((vm) => vm.interfaces.map((i) => i.type));
		expect(new Set(types)).toEqual(
			new Set(['network', 'bridge', 'direct', 'hostdev', 'user', 'ethernet', 'vhostuser']),
		);
		const hostdev = vms['db01']!.interfaces.find((i) => i.type === 'hostdev')!;
		expect(hostdev).toMatchObject({source: '0000:03:10.2', vlan: {tags: [{id: 42}], trunk: false}});
		expect(vms['lab01']!.interfaces.find((i) => i.type === 'direct')).toMatchObject({
			source: 'eth1',
			sourceMode: 'bridge',
			model: 'virtio',
		});
		expect(vms['lab01']!.interfaces.find((i) => i.portgroup)).toMatchObject({source: 'ovs', portgroup: 'trunk'});
	});

	it('reads the same networks and VMs as the demo, which parses the host file without virsh', async () => {
		const live = await scanHost({connect: uri});
		const demo = await loadDemoHost();
		const strip = (model: HostModel) => ({
			networks: model.networks.map(({xml, uuid, ...rest}) => rest),
			vms: model.vms.map((vm) => ({
				name: vm.name,
				state: vm.state,
				interfaces: vm.interfaces.map(({target, ...rest}) => rest),
			})),
		});
		expect(strip(demo)).toEqual(strip(live));
	});

	it('kvmnet inventory --json --connect classifies every network of the host file', async () => {
		const model = await inventoryJson(['--connect', uri]);
		expect(modes(model)).toEqual(expectedModes);
		expect(model.source).toBe('live');
	});

	it('reads networks whose names need quoting in virsh (space, quote, semicolon)', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'kvmnet-names-'));
		const names = ['lab net', "it's", 'a;b', 'say "hi"', 'back\\slash'];
		const escape = (s: string) =>
			s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
		const file = join(dir, 'host.xml');
		writeFileSync(
			file,
			`<node>${names.map((n, i) => `<network><name>${escape(n)}</name><bridge name='vb${i}'/></network>`).join('')}</node>`,
		);
		const model = await scanHost({connect: `test://${file}`});
		expect(model.problems.filter((p) => p.area === 'libvirt')).toEqual([]);
		expect(model.networks.map((n) => n.name).sort()).toEqual([...names].sort());
		expect(model.networks.every((n) => n.mode === 'isolated' && n.active)).toBe(true);
	});

	it('an unreachable URI is a problem with libvirt own words, not a crash', async () => {
		const model = await scanHost({connect: 'test:///nonexistent/host.xml'});
		expect(model.header.libvirt.reachable).toBe(false);
		expect(model.problems.find((p) => p.area === 'libvirt')?.message).toMatch(
			/not reachable: virsh failed \(exit 1\): error:/,
		);
		const cli = await runCli(['inventory', '--connect', 'test:///nonexistent/host.xml']);
		expect(cli.exitCode).toBe(1);
		expect(cli.stdout).toContain('libvirt not reachable at test:///nonexistent/host.xml');
	});

	it('missing tools (ip, virsh, ovs-vsctl) are named with the package to install', async () => {
		// A PATH with node and nothing else.
		const bin = mkdtempSync(join(tmpdir(), 'kvmnet-path-'));
		symlinkSync(process.execPath, join(bin, 'node'));
		const cli = await runCli(['inventory'], {env: {PATH: bin}});
		expect(cli.stdout).toContain('nics: cannot list network interfaces: ip not found: install the iproute2 package');
		expect(cli.stdout).toContain('virsh not found: install the libvirt-clients package');
		expect(cli.stderr).toBe('');
		expect(cli.exitCode).toBe(1);
	});
});

describe('as a user without root', () => {
	it('still reads links and the test driver, and says it is not root', async () => {
		const result = await runCli(['inventory', '--json', '--connect', uri], {asUser: 65534});
		const model = JSON.parse(result.stdout) as HostModel;
		expect(model.header.isRoot).toBe(false);
		expect(modes(model)).toEqual(expectedModes);
		expect(model.nics.length).toBeGreaterThan(0);
	});
});
