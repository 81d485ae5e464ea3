// The inventory against a real libvirtd (in its own namespaces): a started NAT network appears with its bridge,
// its DHCP range, and dnsmasq serving it; an inactive network appears as inactive.
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import {inventoryJson} from './harness/cli.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot} from './harness/netns.js';

describe.skipIf(!isRoot)('inventory against a real libvirtd in a namespace', () => {
	let daemon: Libvirtd;
	let model: HostModel;

	beforeAll(async () => {
		daemon = await Libvirtd.start('lvd');
		const dir = mkdtempSync(join(tmpdir(), 'kvmnet-lvd-'));
		writeFileSync(
			join(dir, 'labnat.xml'),
			`<network><name>labnat</name><forward mode='nat'/><bridge name='virbr9' stp='on' delay='0'/>
			<ip address='10.123.0.1' prefix='24'><dhcp><range start='10.123.0.100' end='10.123.0.150'/></dhcp></ip></network>`,
		);
		writeFileSync(
			join(dir, 'spare.xml'),
			`<network><name>spare</name><bridge name='virbr8'/><ip address='10.124.0.1' prefix='24'/></network>`,
		);
		// Neither prefix nor netmask: libvirt gives the address's class (172.x: /16), not /24.
		writeFileSync(
			join(dir, 'classful.xml'),
			`<network><name>classful</name><bridge name='virbr7'/><ip address='172.29.0.1'/></network>`,
		);
		await daemon.virsh(
			`net-define ${dir}/labnat.xml; net-start labnat; net-autostart labnat; net-define ${dir}/spare.xml; net-define ${dir}/classful.xml; net-start classful`,
		);
		model = await inventoryJson(['--connect', daemon.uri], {namespace: daemon.namespace});
	});

	afterAll(async () => {
		await daemon?.stop();
	});

	it("gives an <ip> without prefix or netmask the prefix libvirt put on its bridge (the address's class)", () => {
		const classful = model.networks.find((n) => n.name === 'classful')!;
		const bridge = model.bridges.find((b) => b.name === 'virbr7')!;
		expect(bridge.addresses.map((a) => `${a.address}/${a.prefix}`)).toContain('172.29.0.1/16');
		expect(classful.ips.map((ip) => `${ip.address}/${ip.prefix}`)).toEqual(['172.29.0.1/16']);
	});

	it('reads libvirt version and URI from the daemon', () => {
		expect(model.header.libvirt).toMatchObject({reachable: true, uri: daemon.uri});
		expect(model.header.libvirt.version).toMatch(/^\d+\.\d+/);
		expect(model.problems.filter((p) => p.area === 'libvirt')).toEqual([]);
	});

	it('shows the started NAT network with its bridge, subnet and DHCP range', () => {
		const labnat = model.networks.find((n) => n.name === 'labnat')!;
		expect(labnat).toMatchObject({mode: 'nat', active: true, autostart: true, persistent: true, bridge: 'virbr9'});
		expect(labnat.ips).toEqual([
			{
				family: 'ipv4',
				address: '10.123.0.1',
				prefix: 24,
				dhcpRanges: [{start: '10.123.0.100', end: '10.123.0.150'}],
				dhcpHosts: [],
			},
		]);
		// The bridge libvirt created is a real kernel bridge in the namespace, with the gateway address.
		const bridge = model.bridges.find((b) => b.name === 'virbr9')!;
		expect(bridge.type).toBe('linux');
		expect(bridge.addresses.map((a) => `${a.address}/${a.prefix}`)).toContain('10.123.0.1/24');
	});

	it('shows a defined but stopped network as inactive, with no bridge on the host', () => {
		expect(model.networks.find((n) => n.name === 'spare')).toMatchObject({
			mode: 'isolated',
			active: false,
			autostart: false,
		});
		expect(model.nics.find((n) => n.name === 'virbr8')).toBeUndefined();
	});

	it('dnsmasq serves the NAT network (the daemon really started it)', async () => {
		const {stdout} = await daemon.exec(['ss', '-lnup']);
		expect(stdout).toMatch(/10\.123\.0\.1:53\b/);
		expect(stdout).toMatch(/dnsmasq/);
	});
});
