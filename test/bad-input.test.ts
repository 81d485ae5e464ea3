// Bad input, field by field: each one is refused with its own message naming the field and the rule, and no plan.
import {existsSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import type {Params} from '../source/core/fields.js';
import type {HostModel} from '../source/core/model.js';
import {makePlan} from '../source/plan/planner.js';
import {loadDemoHost} from '../source/host/demo.js';
import {runCli} from './harness/cli.js';

let demo: HostModel;
beforeAll(async () => {
	const loaded = await loadDemoHost();
	// One NIC with a long (but real-world) name, for the 15-byte limit on VLAN sub-interfaces.
	const long = {...loaded.nics.find((n) => n.name === 'eth3')!, name: 'enp129s0f1np1', busAddress: '0000:81:00.1'};
	demo = {...loaded, nics: [...loaded.nics, long]};
});

const badInputs: [string, Params, string][] = [
	// mode
	[
		'warp',
		{},
		'mode: "warp" is not a mode; the modes are: nat, bridge, route, isolated, open, macvtap-bridge, macvtap-private, macvtap-vepa, macvtap-passthrough, pci-passthrough, sriov, vlan, ovs',
	],
	[
		'nat',
		{pci: '0000:03:00.0'},
		'pci: mode nat does not use this field (its fields: name, bridge, subnet, gateway, dhcp-start, dhcp-end, ipv6, domain, uplink, autostart, vms, model, mac)',
	],
	[
		'nat',
		{colour: 'blue'} as Params,
		'colour: there is no such field (its fields: name, bridge, subnet, gateway, dhcp-start, dhcp-end, ipv6, domain, uplink, autostart, vms, model, mac)',
	],
	// name
	['nat', {name: ''}, 'name: a network name is required'],
	['nat', {name: 'default'}, 'name: a libvirt network named default already exists'],
	[
		'nat',
		{name: 'lab net'},
		`name: "lab net" may only use letters, digits, '.', '-' and '_', starting with a letter or digit`,
	],
	[
		'nat',
		{name: '-lab'},
		`name: "-lab" may only use letters, digits, '.', '-' and '_', starting with a letter or digit`,
	],
	[
		'nat',
		{name: 'lab/1'},
		`name: "lab/1" may only use letters, digits, '.', '-' and '_', starting with a letter or digit`,
	],
	['nat', {name: 'x'.repeat(51)}, 'name: at most 50 characters (this one has 51)'],
	['bridge', {name: 'ovs'}, 'name: a libvirt network named ovs already exists'],
	// bridge
	['nat', {bridge: 'virbr-too-long-1'}, 'bridge: "virbr-too-long-1" is 16 bytes; interface names are at most 15 bytes'],
	[
		'nat',
		{bridge: 'vir br'},
		`bridge: "vir br" is not an interface name (letters, digits, '.', '-', '_'; no spaces, '/' or ':')`,
	],
	[
		'nat',
		{bridge: 'br:0'},
		`bridge: "br:0" is not an interface name (letters, digits, '.', '-', '_'; no spaces, '/' or ':')`,
	],
	[
		'nat',
		{bridge: '..'},
		`bridge: ".." is not an interface name (letters, digits, '.', '-', '_'; no spaces, '/' or ':')`,
	],
	['nat', {bridge: ''}, 'bridge: a name is required'],
	['nat', {bridge: 'virbr0'}, 'bridge: virbr0 is already the bridge of libvirt network default'],
	[
		'nat',
		{bridge: 'eth1'},
		'bridge: eth1 already exists on this host (a physical); libvirt creates this bridge itself',
	],
	[
		'nat',
		{bridge: 'brü-ñame-15'},
		`bridge: "brü-ñame-15" is not an interface name (letters, digits, '.', '-', '_'; no spaces, '/' or ':')`,
	],
	['nat', {bridge: 'brüüüüüüü'}, 'bridge: "brüüüüüüü" is 16 bytes; interface names are at most 15 bytes'],
	['bridge', {bridge: 'eth1'}, 'bridge: eth1 exists and is a physical, not a bridge'],
	['ovs', {bridge: 'br0'}, 'bridge: br0 exists and is not an Open vSwitch bridge'],
	// uplink
	[
		'bridge',
		{bridge: 'br9', uplink: 'wlan0'},
		'uplink: wlan0 is Wi-Fi; 802.11 lets a station send only from its own MAC, so bridging and macvtap do not work on it (use NAT or routed)',
	],
	[
		'macvtap-bridge',
		{uplink: 'wlan0'},
		'uplink: wlan0 is Wi-Fi; 802.11 lets a station send only from its own MAC, so bridging and macvtap do not work on it (use NAT or routed)',
	],
	['bridge', {bridge: 'br9', uplink: 'eth7'}, 'uplink: there is no interface named "eth7" on this host'],
	['bridge', {bridge: 'br9', uplink: 'eth2'}, 'uplink: eth2 is already a port of br0'],
	[
		'bridge',
		{bridge: 'br9', uplink: 'virbr0'},
		'uplink: virbr0 is a bridge; choose a physical NIC, a bond or a VLAN interface',
	],
	['bridge', {bridge: 'br9', uplink: ''}, 'uplink: br9 does not exist yet; name the wired NIC to put in it'],
	[
		'macvtap-private',
		{uplink: ''},
		'uplink: this mode needs a host NIC (here: eth0, eth1, eth3, enp3s0f0, enp3s0f0v0, enp129s0f1np1)',
	],
	[
		'macvtap-passthrough',
		{uplink: 'eth0'},
		'uplink: eth0 carries your SSH session; passthrough gives the whole NIC to one VM and the host loses it',
	],
	['sriov', {uplink: 'eth1'}, 'uplink: eth1 has no SR-IOV virtual functions (its driver reports no sriov_totalvfs)'],
	[
		'ovs',
		{uplink: 'eth0'},
		'uplink: eth0 has addresses; as an OVS port it would lose them (choose a NIC without addresses, or use bridge mode)',
	],
	// subnet
	['nat', {subnet: ''}, 'subnet: an IPv4 subnet is required, e.g. 192.168.100.0/24'],
	['nat', {subnet: '192.168.100.0'}, 'subnet: "192.168.100.0" is not address/prefix, e.g. 192.168.100.0/24'],
	['nat', {subnet: '192.168.300.0/24'}, 'subnet: "192.168.300.0/24" is not address/prefix, e.g. 192.168.100.0/24'],
	['nat', {subnet: '192.168.100.0/33'}, 'subnet: "192.168.100.0/33" is not address/prefix, e.g. 192.168.100.0/24'],
	['nat', {subnet: '192.168.100.0/31'}, 'subnet: the prefix must be from 8 to 30 (/31 leaves no room for guests)'],
	['nat', {subnet: '10.0.0.0/7'}, 'subnet: the prefix must be from 8 to 30 (/7 is larger than any LAN)'],
	['nat', {subnet: '192.168.100.5/24'}, 'subnet: 192.168.100.5/24 has host bits set; the network is 192.168.100.0/24'],
	['nat', {subnet: '192.168.122.0/24'}, 'subnet: 192.168.122.0/24 overlaps the route to 192.168.122.0/24 on virbr0'],
	['nat', {subnet: '192.0.2.128/25'}, 'subnet: 192.0.2.128/25 overlaps the route to 192.0.2.0/24 on eth0'],
	[
		'nat',
		{subnet: '10.30.0.0/16', gateway: '10.30.0.1', 'dhcp-start': '', 'dhcp-end': ''},
		'subnet: 10.30.0.0/16 overlaps 10.30.0.1/24 on virbr4',
	],
	['nat', {subnet: '10.20.0.0/24'}, 'subnet: 10.20.0.0/24 overlaps 10.20.0.1/24 on virbr2'],
	[
		'nat',
		{subnet: '127.1.0.0/16'},
		'subnet: 127.1.0.0/16 is in a reserved range (0/8, 127/8 loopback, 224/4 multicast and above)',
	],
	[
		'nat',
		{subnet: '239.1.1.0/24'},
		'subnet: 239.1.1.0/24 is in a reserved range (0/8, 127/8 loopback, 224/4 multicast and above)',
	],
	['nat', {subnet: '192.168.0100.0/24'}, 'subnet: "192.168.0100.0/24" is not address/prefix, e.g. 192.168.100.0/24'],
	// gateway
	['nat', {gateway: ''}, 'gateway: the host needs an address on the network, e.g. the first one'],
	['nat', {gateway: '192.168.100.256'}, 'gateway: "192.168.100.256" is not an IPv4 address (e.g. 192.168.100.1)'],
	['nat', {gateway: '192.168.101.1'}, 'gateway: 192.168.101.1 is not inside 192.168.100.0/24'],
	['nat', {gateway: '192.168.100.0'}, 'gateway: 192.168.100.0 is the network address of 192.168.100.0/24'],
	['nat', {gateway: '192.168.100.255'}, 'gateway: 192.168.100.255 is the broadcast address of 192.168.100.0/24'],
	// DHCP range
	['nat', {'dhcp-start': ''}, 'dhcp-start: give both ends of the DHCP range, or neither for no DHCP'],
	['nat', {'dhcp-end': ''}, 'dhcp-end: give both ends of the DHCP range, or neither for no DHCP'],
	['nat', {'dhcp-start': '192.168.100.x'}, 'dhcp-start: "192.168.100.x" is not an IPv4 address (e.g. 192.168.100.1)'],
	['nat', {'dhcp-start': '192.168.99.10'}, 'dhcp-start: 192.168.99.10 is not inside 192.168.100.0/24'],
	['nat', {'dhcp-end': '192.168.100.255'}, 'dhcp-end: 192.168.100.255 is the broadcast address of 192.168.100.0/24'],
	[
		'nat',
		{'dhcp-start': '192.168.100.200', 'dhcp-end': '192.168.100.100'},
		'dhcp-end: 192.168.100.100 comes before dhcp-start 192.168.100.200',
	],
	[
		'nat',
		{'dhcp-start': '192.168.100.1'},
		'dhcp-start: the range 192.168.100.1-192.168.100.254 includes the gateway 192.168.100.1',
	],
	// IPv6, domain
	['nat', {ipv6: 'fd00::1'}, 'ipv6: "fd00::1" is not an IPv6 address/prefix, e.g. fd00:100::1/64'],
	['nat', {ipv6: 'fd00:::1/64'}, 'ipv6: "fd00:::1/64" is not an IPv6 address/prefix, e.g. fd00:100::1/64'],
	['nat', {ipv6: 'fd00::g/64'}, 'ipv6: "fd00::g/64" is not an IPv6 address/prefix, e.g. fd00:100::1/64'],
	['nat', {ipv6: 'fd00::1/128'}, 'ipv6: the prefix must be from 8 to 126 (got /128)'],
	[
		'nat',
		{ipv6: 'fe80::1/64'},
		'ipv6: fe80::1 is link-local (fe80::/10); use a global or unique local (fd00::/8) address',
	],
	['nat', {ipv6: 'ff02::1/64'}, 'ipv6: ff02::1 is a multicast address'],
	['nat', {ipv6: '::/64'}, 'ipv6: :: is not a usable address'],
	['nat', {ipv6: '2001:db8:30::1/48'}, 'ipv6: 2001:db8:30::1/48 overlaps the route to 2001:db8:30::/64 on virbr4'],
	[
		'nat',
		{ipv6: '2001:db8:1:0:8000::1/65'},
		'ipv6: 2001:db8:1:0:8000::1/65 overlaps the route to 2001:db8:1::/64 on eth0',
	],
	[
		'nat',
		{domain: 'lab_internal'},
		'domain: "lab_internal" is not a DNS name; use labels of letters, digits and \'-\' separated by dots, e.g. lab.internal',
	],
	[
		'nat',
		{domain: 'lab..internal'},
		'domain: "lab..internal" is not a DNS name; use labels of letters, digits and \'-\' separated by dots, e.g. lab.internal',
	],
	[
		'nat',
		{domain: '-lab.internal'},
		'domain: "-lab.internal" is not a DNS name; use labels of letters, digits and \'-\' separated by dots, e.g. lab.internal',
	],
	// VLAN
	['vlan', {vlan: ''}, 'vlan: at least one VLAN id is required (1-4094)'],
	['vlan', {vlan: '0'}, 'vlan: "0" is not a VLAN id; VLAN ids are whole numbers from 1 to 4094'],
	['vlan', {vlan: '4095'}, 'vlan: "4095" is not a VLAN id; VLAN ids are whole numbers from 1 to 4094'],
	['vlan', {vlan: '10,abc'}, 'vlan: "abc" is not a VLAN id; VLAN ids are whole numbers from 1 to 4094'],
	['vlan', {vlan: '-5'}, 'vlan: "-5" is not a VLAN id; VLAN ids are whole numbers from 1 to 4094'],
	['vlan', {vlan: '100,200,100'}, 'vlan: 100 is listed twice'],
	[
		'vlan',
		{'vlan-method': 'subinterface', vlan: '100,200', uplink: 'eth3', bridge: 'br200'},
		'vlan: a host VLAN sub-interface carries one VLAN; use vlan-method ovs for a trunk',
	],
	[
		'vlan',
		{'vlan-method': 'subinterface', vlan: '4000', uplink: 'enp129s0f1np1', bridge: 'br4000'},
		'vlan: the sub-interface enp129s0f1np1.4000 would be longer than 15 bytes',
	],
	['vlan', {'vlan-method': 'bridge'}, 'vlan-method: "bridge" is not one of ovs, subinterface, libvirt'],
	[
		'vlan',
		{'vlan-method': 'libvirt', bridge: 'br100'},
		'vlan-method: <vlan> on a Linux-bridge network needs libvirt 11.0 or newer (this host has 9.0.0)',
	],
	[
		'vlan',
		{'vlan-method': 'subinterface', uplink: '', bridge: 'br300'},
		'uplink: a VLAN sub-interface needs the NIC that carries the trunk',
	],
	[
		'vlan',
		{'vlan-method': 'subinterface', uplink: 'eth3', bridge: 'br100'},
		'bridge: br100 already exists; the sub-interface method creates its own bridge',
	],
	['ovs', {vlan: '5000'}, 'vlan: "5000" is not a VLAN id; VLAN ids are whole numbers from 1 to 4094'],
	// SR-IOV, PCI
	['sriov', {'vf-count': '0'}, 'vf-count: a whole number from 1 to 63 (what enp3s0f0 supports)'],
	['sriov', {'vf-count': '64'}, 'vf-count: a whole number from 1 to 63 (what enp3s0f0 supports)'],
	['sriov', {'vf-count': 'four'}, 'vf-count: a whole number from 1 to 63 (what enp3s0f0 supports)'],
	[
		'pci-passthrough',
		{pci: '03:00.0', vms: 'db01'},
		'pci: "03:00.0" is not a PCI address; write dddd:bb:ss.f, e.g. 0000:03:00.0',
	],
	[
		'pci-passthrough',
		{pci: '0000:03:00.8', vms: 'db01'},
		'pci: "0000:03:00.8" is not a PCI address; write dddd:bb:ss.f, e.g. 0000:03:00.0',
	],
	['pci-passthrough', {pci: '0000:09:00.0', vms: 'db01'}, 'pci: no network device at 0000:09:00.0 on this host'],
	[
		'pci-passthrough',
		{pci: '0000:00:19.0', vms: 'db01'},
		'pci: 0000:00:19.0 is eth0, which carries your SSH session; the host would lose it to the VM',
	],
	['pci-passthrough', {vms: ''}, 'vms: name the VM that gets the device (a passed-through NIC belongs to one VM)'],
	['pci-passthrough', {vms: 'db01,web01'}, 'vms: a passed-through NIC can go to one VM only'],
	// VMs, model, MAC, autostart
	['nat', {vms: 'web02'}, 'vms: there is no VM named "web02" (VMs here: db01, lab01, web01)'],
	['nat', {vms: 'web01,web01'}, 'vms: web01 is listed twice'],
	['nat', {model: 'ne2k'}, 'model: "ne2k" is not one of virtio, e1000e, e1000, rtl8139, vmxnet3'],
	[
		'nat',
		{mac: '52:54:00:12:34'},
		'mac: "52:54:00:12:34" is not a MAC address; write six pairs of hex digits, e.g. 52:54:00:12:34:56',
	],
	[
		'nat',
		{mac: '52-54-00-12-34-56'},
		'mac: "52-54-00-12-34-56" is not a MAC address; write six pairs of hex digits, e.g. 52:54:00:12:34:56',
	],
	[
		'nat',
		{mac: '01:00:5e:00:00:01'},
		'mac: 01:00:5e:00:00:01 is a multicast address (the lowest bit of the first byte is set); a NIC needs a unicast one',
	],
	['nat', {mac: '00:00:00:00:00:00'}, 'mac: 00:00:00:00:00:00 is not a usable address'],
	['nat', {autostart: 'maybe'}, 'autostart: "maybe" is not yes or no'],
];

describe('bad input', () => {
	it('the table has at least 60 cases', () => {
		expect(badInputs.length).toBeGreaterThanOrEqual(60);
	});

	it.each(
		badInputs.map(([mode, params, message]) => [`${mode} ${JSON.stringify(params)}`, mode, params, message] as const),
	)('%s', (_label, mode, params, message) => {
		const result = makePlan(mode, params, demo, {uri: 'test:///default', directory: () => '/tmp/never'});
		expect(result.plan).toBeUndefined();
		const messages = result.errors.map((e) => e.message);
		expect(messages).toContain(message);
		// Each message names its field first.
		for (const error of result.errors) expect(error.message.startsWith(`${error.field}: `)).toBe(true);
	});

	it('the plan command prints the same messages, exits 2 and writes nothing', async () => {
		const out = join(mkdtempSync(join(tmpdir(), 'kvmnet-bad-')), 'plan');
		const result = await runCli([
			'plan',
			'--demo',
			'--mode',
			'nat',
			'--subnet',
			'192.168.122.0/24',
			'--vlan',
			'7',
			'--out',
			out,
		]);
		expect(result.exitCode).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr).toBe(
			'kvmnet: vlan: mode nat does not use this field (its fields: name, bridge, subnet, gateway, dhcp-start, dhcp-end, ipv6, domain, uplink, autostart, vms, model, mac)',
		);
		const second = await runCli([
			'plan',
			'--demo',
			'--mode',
			'nat',
			'--subnet',
			'192.168.122.0/24',
			'--gateway',
			'10.0.0.1',
			'--out',
			out,
		]);
		expect(second.stderr.split('\n')).toEqual([
			'kvmnet: subnet: 192.168.122.0/24 overlaps the route to 192.168.122.0/24 on virbr0',
		]);
		expect(existsSync(out)).toBe(false);
	});

	it('a mode this host cannot do is refused with the reason', async () => {
		const host: HostModel = {...demo, capabilities: {...demo.capabilities, ovs: 'stopped', iommuGroups: 0}};
		expect(makePlan('ovs', {}, host, {uri: 'test:///default', directory: () => '/tmp/never'}).errors[0]!.message).toBe(
			'mode: Open vSwitch is not possible on this host: Open vSwitch is installed but not running (systemctl start openvswitch-switch)',
		);
		expect(
			makePlan('pci-passthrough', {vms: 'db01'}, host, {uri: 'test:///default', directory: () => '/tmp/never'})
				.errors[0]!.message,
		).toMatch(/^mode: PCI passthrough \(whole NIC\) is not possible on this host: this host has no IOMMU groups/);
	});
});
