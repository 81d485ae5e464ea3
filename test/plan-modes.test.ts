// Every mode's plan on the demo host, with its defaults and with edge values: libvirt's schema accepts the
// network and interface XML, and the test driver's parser defines the network.
import {readFileSync, readdirSync, realpathSync} from 'node:fs';
import {beforeAll, describe, expect, it} from 'vitest';
import type {Params} from '../source/core/fields.js';
import type {HostModel} from '../source/core/model.js';
import {parseNetworkXml} from '../source/core/parse-libvirt.js';
import type {Plan} from '../source/core/plan.js';
import {vfUdevRule} from '../source/core/udev.js';
import {makePlan} from '../source/plan/planner.js';
import {loadDemoHost} from '../source/host/demo.js';
import {modes} from '../source/modes/catalog.js';
import {testDriverDefine, validateInterfaceXml, validateNetworkXml} from './harness/libvirt-check.js';

let demo: HostModel;
// Network-class PCI functions (class 0x02xxxx) on this machine, and the net devices in /sys/class/net.
const pciNics = readdirSync('/sys/bus/pci/devices').filter((address) =>
	readFileSync(`/sys/bus/pci/devices/${address}/class`, 'utf8').startsWith('0x02'),
);
const netDevicePaths = readdirSync('/sys/class/net').map((name) => realpathSync(`/sys/class/net/${name}`));
beforeAll(async () => {
	demo = await loadDemoHost();
});

const plan = (mode: string, params: Params = {}): Plan => {
	const result = makePlan(mode, params, demo, {
		uri: 'test:///default',
		directory: (name) => `/tmp/kvmnet-plans/${name}`,
	});
	if (!result.plan)
		throw new Error(`${mode} ${JSON.stringify(params)} was refused: ${result.errors.map((e) => e.message).join('; ')}`);
	return result.plan;
};

// Parameters each mode needs beyond its defaults on the demo host, and edge values for a second run.
const cases: [string, Params, Params][] = [
	[
		'nat',
		{},
		{
			subnet: '172.31.255.248/29',
			gateway: '172.31.255.249',
			'dhcp-start': '172.31.255.250',
			'dhcp-end': '172.31.255.254',
			ipv6: 'fd00:ffff::1/126',
			domain: 'a-b.example',
			uplink: 'eth0',
			vms: 'web01,db01',
			mac: '52:54:00:ff:ff:fe',
		},
	],
	['bridge', {}, {name: 'n'.repeat(50), bridge: 'br-fifteen-byte', uplink: 'eth0', vms: 'lab01', model: 'e1000e'}],
	[
		'route',
		{},
		{subnet: '10.255.0.0/16', gateway: '10.255.255.254', 'dhcp-start': '', 'dhcp-end': '', uplink: 'wlan0'},
	],
	[
		'isolated',
		{},
		{
			subnet: '172.16.0.0/30',
			gateway: '172.16.0.1',
			'dhcp-start': '172.16.0.2',
			'dhcp-end': '172.16.0.2',
			autostart: 'no',
			model: 'rtl8139',
		},
	],
	[
		'open',
		{},
		{
			subnet: '100.0.0.0/8',
			gateway: '100.0.0.1',
			'dhcp-start': '100.255.255.1',
			'dhcp-end': '100.255.255.254',
			ipv6: '2001:db8:ffff::1/64',
		},
	],
	['macvtap-bridge', {}, {uplink: 'eth3', vms: 'web01'}],
	['macvtap-private', {}, {uplink: 'eth1', model: 'vmxnet3'}],
	['macvtap-vepa', {}, {uplink: 'eth1', mac: '02:00:00:00:00:01'}],
	['macvtap-passthrough', {}, {uplink: 'eth3'}],
	['pci-passthrough', {vms: 'db01'}, {pci: '0000:04:00.0', vms: 'lab01'}],
	['sriov', {}, {'vf-count': '63', vms: 'db01'}],
	['vlan', {}, {vlan: '1,4094,200', 'vlan-method': 'ovs', uplink: 'eth3', bridge: 'ovsvlan'}],
	['ovs', {}, {bridge: 'ovsbr9', uplink: 'eth3', vlan: '10,20,4094', vms: 'web01'}],
];

describe('a plan for every mode on the demo host', () => {
	it('covers every mode of the catalog', () => {
		expect(cases.map(([mode]) => mode).sort()).toEqual(modes.map((m) => m.id).sort());
	});

	for (const [mode, needs, edge] of cases) {
		for (const [label, params] of [
			['defaults', needs],
			['edge values', {...needs, ...edge}],
		] as const) {
			it(`${mode} with ${label}: libvirt's schema and parser accept the XML`, async () => {
				const p = plan(mode, params);
				if (p.networkXml) {
					expect(await validateNetworkXml(p.networkXml)).toBe('');
					const name = parseNetworkXml(p.networkXml).name;
					const defined = await testDriverDefine(p.networkXml, name);
					expect(defined.output).toMatch(/Active:\s+no/);
					expect(defined.ok).toBe(true);
				} else {
					expect(mode).toBe('pci-passthrough');
				}
				expect(await validateInterfaceXml(p.interfaceXml)).toBe('');
				for (const step of p.steps) {
					for (const file of step.writes ?? [])
						if (file.path.includes('/interface-')) expect(await validateInterfaceXml(file.content)).toBe('');
				}
			});
		}
	}
});

describe('what the plans contain', () => {
	it('NAT: net-define, net-start, autostart, each with its undo, and the file it writes', () => {
		const p = plan('nat', {name: 'labx', vms: 'web01'});
		expect(p.steps.map((s) => s.run.slice(3, 4)[0] ?? s.run[0])).toEqual([
			'net-define',
			'net-start',
			'net-autostart',
			'attach-device',
		]);
		expect(p.steps[0]).toMatchObject({
			run: ['virsh', '-c', 'test:///default', 'net-define', '--file', '/tmp/kvmnet-plans/labx/network-labx.xml'],
			undo: ['virsh', '-c', 'test:///default', 'net-undefine', '--network', 'labx'],
		});
		expect(p.steps[0]!.writes![0]!.content).toBe(`${p.networkXml}\n`);
		expect(p.steps[3]!.run).toEqual([
			'virsh',
			'-c',
			'test:///default',
			'attach-device',
			'--domain',
			'web01',
			'--file',
			'/tmp/kvmnet-plans/labx/interface-web01.xml',
			'--config',
			'--live',
		]);
		expect(p.steps[3]!.writes![0]!.content).toMatch(/<mac address="52:54:00:[\da-f:]{8}"\/>/);
	});

	// No NetworkManager runs here: Debian's network-manager package would start it on this machine's own network, and
	// it manages no device without udev, which a namespace here lacks. So the argv is checked against the properties
	// nm-settings-nmcli(5) documents, and what the uplink had (DNS, search domains, static routes) must be in it.
	it('NetworkManager bridge over a static NIC keeps its DNS, search domains and static routes; only documented properties', () => {
		const host: HostModel = {
			...demo,
			routes: [...demo.routes, {destination: '10.8.0.0/16', gateway: '192.0.2.254', dev: 'eth0', protocol: 'static'}],
			capabilities: {
				...demo.capabilities,
				networkManager: {
					...demo.capabilities.networkManager,
					dns: {eth0: {servers: ['192.0.2.53', '2001:db8:1::53'], search: ['lab.example']}},
				},
			},
		};
		const p = makePlan('bridge', {bridge: 'br9', uplink: 'eth0'}, host, {
			uri: 'test:///default',
			directory: () => '/tmp/p',
		}).plan!;
		const add = p.steps[0]!.run;
		const value = (property: string) => add[add.indexOf(property) + 1];
		expect(value('ipv4.dns')).toBe('192.0.2.53');
		expect(value('ipv6.dns')).toBe('2001:db8:1::53');
		expect(value('ipv4.dns-search')).toBe('lab.example');
		expect(value('ipv4.routes')).toBe('10.8.0.0/16 192.0.2.254');
		expect(value('ethernet.cloned-mac-address')).toBe('52:54:00:aa:00:01');
		expect(add).not.toContain('bridge.mac-address');
		// nm-settings-nmcli(5): the settings and properties these plans use.
		const documented = new Set([
			'bridge.stp',
			'ethernet.cloned-mac-address',
			'ipv4.method',
			'ipv4.addresses',
			'ipv4.gateway',
			'ipv4.dns',
			'ipv4.dns-search',
			'ipv4.routes',
			'ipv6.method',
			'ipv6.addresses',
			'ipv6.gateway',
			'ipv6.dns',
			'ipv6.routes',
		]);
		for (const step of p.steps.filter((s) => s.run[0] === 'nmcli'))
			for (const word of step.run.filter((w) =>
				/^(connection|bridge|bridge-port|ethernet|vlan|ipv4|ipv6)\.[a-z-]+$/.test(w),
			))
				expect(documented, `${word} in ${step.run.join(' ')}`).toContain(word);
	});

	it('bridge over the SSH NIC: every step that moves it carries the risk, and the plan warns first', () => {
		const p = plan('bridge', {bridge: 'br9', uplink: 'eth0'});
		expect(p.manager.kind).toBe('networkmanager');
		expect(p.steps.filter((s) => s.touchesSsh).map((s) => s.run.slice(0, 3))).toEqual([['nmcli', 'connection', 'up']]);
		expect(p.warnings[0]).toMatch(/changes eth0, which carries your SSH session/);
		// Each family's gateway goes to its own setting (an IPv6 gateway in ipv4.gateway is refused by nmcli).
		expect(p.steps[0]!.run.join(' ')).toContain(
			'ipv4.method manual ipv4.addresses 192.0.2.10/24 ipv4.gateway 192.0.2.1 ipv6.method manual ipv6.addresses 2001:db8:1::10/64 ipv6.gateway fe80::1',
		);
	});

	it('bridge with plain iproute2 moves addresses, both default routes and the MAC, each undoable', () => {
		const host: HostModel = {
			...demo,
			capabilities: {...demo.capabilities, networkManager: {kind: 'iproute2', reason: 'test', connections: {}}},
		};
		const result = makePlan('bridge', {bridge: 'br9', uplink: 'eth0'}, host, {
			uri: 'test:///default',
			directory: () => '/tmp/p',
		});
		const runs = result.plan!.steps.map((s) => s.run.join(' '));
		expect(runs.slice(0, 10)).toEqual([
			'ip link add name br9 type bridge stp_state 0',
			'ip link set dev br9 address 52:54:00:aa:00:01',
			'ip link set dev br9 up',
			'ip addr add 192.0.2.10/24 dev br9',
			'ip addr add 2001:db8:1::10/64 dev br9',
			'ip link set dev eth0 master br9',
			'ip route replace default via 192.0.2.1 dev br9',
			'ip -6 route replace default via fe80::1 dev br9',
			'ip addr del 192.0.2.10/24 dev eth0',
			'ip addr del 2001:db8:1::10/64 dev eth0',
		]);
		const [v4, v6] = result.plan!.steps.filter((s) => s.run.includes('replace'));
		expect(v4!.undo).toEqual(['ip', 'route', 'replace', 'default', 'via', '192.0.2.1', 'dev', 'eth0']);
		// `ip route show default` lists IPv4 routes only: the IPv6 one is checked with -6.
		expect([v4!.verify!.run, v6!.verify!.run, v6!.undo]).toEqual([
			['ip', '-j', 'route', 'show', 'default'],
			['ip', '-6', '-j', 'route', 'show', 'default'],
			['ip', '-6', 'route', 'replace', 'default', 'via', 'fe80::1', 'dev', 'eth0'],
		]);
		expect(result.plan!.warnings).toContain(
			"The host changes are made with ip and are lost at reboot: add them to your distribution's network configuration to keep them.",
		);
	});

	it('netplan and ifupdown write their own files, and say why', () => {
		for (const kind of ['netplan', 'ifupdown'] as const) {
			const host: HostModel = {
				...demo,
				capabilities: {...demo.capabilities, networkManager: {kind, reason: `${kind} found`, connections: {}}},
			};
			const p = makePlan('bridge', {bridge: 'br9', uplink: 'eth1'}, host, {
				uri: 'test:///default',
				directory: () => '/tmp/p',
			}).plan!;
			const file = p.steps.flatMap((s) => s.writes ?? []).find((w) => w.path.startsWith('/etc/'))!;
			expect(file.path).toBe(
				kind === 'netplan' ? '/etc/netplan/90-kvmnet-br9.yaml' : '/etc/network/interfaces.d/kvmnet-br9',
			);
			expect(file.content).toContain(kind === 'netplan' ? 'interfaces: [eth1]' : 'bridge_ports eth1');
			expect(p.manager).toEqual({kind, reason: `${kind} found`});
		}
	});

	it("netplan and ifupdown keep the uplink's static IPv4 and IPv6 settings; what router advertisements gave is left to them", () => {
		const files = Object.fromEntries(
			(['netplan', 'ifupdown'] as const).map((kind) => {
				const host: HostModel = {
					...demo,
					capabilities: {...demo.capabilities, networkManager: {kind, reason: `${kind} found`, connections: {}}},
				};
				const p = makePlan('bridge', {bridge: 'br9', uplink: 'eth0'}, host, {
					uri: 'test:///default',
					directory: () => '/tmp/p',
				}).plan!;
				return [kind, p.steps.flatMap((s) => s.writes ?? []).find((w) => w.path.startsWith('/etc/'))!.content];
			}),
		);
		// eth0: 192.0.2.10/24 with a static default route, 2001:db8:1::10/64 with a default route from an RA (fe80::1).
		expect(files['netplan']).toContain(
			[
				'      addresses:',
				'        - 192.0.2.10/24',
				'        - 2001:db8:1::10/64',
				'      routes:',
				'        - to: default',
				'          via: 192.0.2.1',
				'',
			].join('\n'),
		);
		expect(files['netplan']).not.toContain('fe80::1');
		expect(files['ifupdown']).toContain(
			['iface br9 inet static', '    address 192.0.2.10/24', '    gateway 192.0.2.1'].join('\n'),
		);
		expect(files['ifupdown']).toContain(
			['iface br9 inet6 static', '    address 2001:db8:1::10/64', '    gateway fe80::1'].join('\n'),
		);
	});

	it('PCI passthrough gives the VM a <hostdev>, never <interface type=hostdev> (SR-IOV VFs only), and takes no MAC', () => {
		const p = plan('pci-passthrough', {pci: '0000:04:00.0', vms: 'lab01'});
		expect(p.interfaceXml).toBe(
			[
				'<hostdev mode="subsystem" type="pci" managed="yes">',
				'  <source>',
				'    <address domain="0x0000" bus="0x04" slot="0x00" function="0x0"/>',
				'  </source>',
				'</hostdev>',
			].join('\n'),
		);
		expect(p.steps.map((s) => s.title)).toEqual([
			'Pass PCI device 0000:04:00.0 through to VM lab01 (now and at next boot)',
		]);
		const refused = makePlan('pci-passthrough', {pci: '0000:04:00.0', vms: 'lab01', mac: '52:54:00:00:00:01'}, demo, {
			uri: 'test:///default',
			directory: (name) => `/tmp/kvmnet-plans/${name}`,
		});
		expect(refused.errors.map((e) => e.message)).toEqual([
			'mac: mode pci-passthrough does not use this field (its fields: pci, vms)',
		]);
	});

	it('refuses, naming the field, what clashes with what the host already has', () => {
		const errors = (mode: string, params: Params) =>
			makePlan(mode, params, demo, {uri: 'test:///default', directory: () => '/tmp/p'}).errors.map((e) => e.message);
		// A named uplink is never dropped for an existing bridge it is not in.
		expect(errors('bridge', {bridge: 'br0', uplink: 'eth1'})).toEqual([
			'uplink: br0 already exists and its ports are eth2, vnet1, not eth1; leave uplink empty to use br0 as it is, or name a new bridge for eth1',
		]);
		// Named alone, the uplink gets a bridge of its own (br0 holds eth2, not eth3).
		expect(
			makePlan('bridge', {uplink: 'eth3'}, demo, {uri: 'test:///default', directory: () => '/tmp/p'}).plan?.params[
				'bridge'
			],
		).not.toBe('br0');
		expect(errors('pci-passthrough', {pci: '0000:02:00.1', vms: 'db01'})).toEqual([
			'pci: 0000:02:00.1 is eth2, and it is a port of br0: passed through, it leaves the host and takes them with it (pick a NIC nothing uses)',
		]);
		expect(errors('vlan', {'vlan-method': 'subinterface', vlan: '100', uplink: 'eth1', bridge: 'br7'})).toEqual([
			'vlan: eth1.100 already exists (a port of br100); use that bridge with the bridge mode, or pick another VLAN',
		]);
		expect(errors('vlan', {'vlan-method': 'ovs', uplink: 'eth1'})[0]).toMatch(
			/^uplink: ovsbr0 already exists and eth1 is not one of its ports/,
		);
	});

	it('SR-IOV goes through 0 VFs, writes a udev rule so the VFs survive reboot', () => {
		const p = plan('sriov', {'vf-count': '8'});
		expect(p.steps.slice(0, 2).map((s) => [s.run.join(' '), s.input, s.undoInput])).toEqual([
			['tee /sys/class/net/enp3s0f0/device/sriov_numvfs', '0\n', '2\n'],
			['tee /sys/class/net/enp3s0f0/device/sriov_numvfs', '8\n', '0\n'],
		]);
		// By the PF's PCI address, not KERNEL=="enp3s0f0" (the add event comes before the rename).
		expect(p.steps[2]!.writes![0]!.content).toContain(
			'ACTION=="add", SUBSYSTEM=="net", KERNELS=="0000:03:00.0", ATTR{device/sriov_numvfs}="8"',
		);
		expect(p.steps[2]!.writes![0]!.content).not.toContain('KERNEL==');
	});

	it('a udev rule is never made of what would end its strings: a PF with a bad PCI address and a quoted name is refused', () => {
		const hostile = structuredClone(demo);
		const pf = hostile.nics.find((n) => n.name === 'enp3s0f0')!;
		// As a hostile sysfs or a crafted name could have it: the name is one the kernel accepts.
		pf.busAddress = '0000:03:00.0", RUN+="/bin/sh -c reboot';
		const plain = makePlan('sriov', {'vf-count': '8'}, hostile, {uri: 'test:///default', directory: () => '/tmp/p'});
		expect(plain.plan?.steps[2]!.writes![0]!.content).toContain('ENV{INTERFACE}=="enp3s0f0", ATTR');
		expect(plain.plan?.steps[2]!.writes![0]!.content).not.toContain('RUN');
		pf.name = 'enp3s0f0"';
		const result = makePlan('sriov', {'vf-count': '8', uplink: 'enp3s0f0"'}, hostile, {
			uri: 'test:///default',
			directory: () => '/tmp/p',
		});
		expect(result.plan).toBeUndefined();
		expect(result.errors[0]?.message).toMatch(/neither a PCI address of the usual form nor a plain name/);
		expect(vfUdevRule({name: 'e"x', busAddress: 'junk'}, 2)).toBeUndefined();
		expect(vfUdevRule({name: 'eth7', busAddress: 'junk'}, 2)).toContain('ENV{INTERFACE}=="eth7"');
	});

	// What KERNELS== relies on, read (never changed) on this machine's real sysfs: a PCI NIC's net device sits below
	// its PCI function in /sys/devices, so udev finds the address among the event device's parents whatever the
	// device is called at that moment.
	it.skipIf(pciNics.length === 0)('each network PCI function here has its net device below it in sysfs', () => {
		for (const address of pciNics)
			expect(
				netDevicePaths.some((path) => path.split('/').includes(address)),
				address,
			).toBe(true);
	});

	it('VLAN by sub-interface: VLAN device and bridge first, then the network on that bridge', () => {
		const host: HostModel = {
			...demo,
			capabilities: {...demo.capabilities, networkManager: {kind: 'iproute2', reason: 'test', connections: {}}},
		};
		const p = makePlan('vlan', {'vlan-method': 'subinterface', vlan: '300', uplink: 'eth3', bridge: 'br300'}, host, {
			uri: 'test:///default',
			directory: () => '/tmp/p',
		}).plan!;
		expect(p.steps[0]!.run).toEqual([
			'ip',
			'link',
			'add',
			'link',
			'eth3',
			'name',
			'eth3.300',
			'type',
			'vlan',
			'id',
			'300',
		]);
		expect(parseNetworkXml(p.networkXml!)).toMatchObject({mode: 'bridge', bridge: 'br300'});
	});

	it('VLAN by sub-interface over a NIC that is down brings the NIC up first (a VLAN is only as up as its parent)', () => {
		const host: HostModel = {
			...demo,
			nics: demo.nics.map((n) => (n.name === 'eth3' ? {...n, adminUp: false, state: 'down'} : n)),
			capabilities: {...demo.capabilities, networkManager: {kind: 'iproute2', reason: 'test', connections: {}}},
		};
		const p = makePlan('vlan', {'vlan-method': 'subinterface', vlan: '300', uplink: 'eth3', bridge: 'br300'}, host, {
			uri: 'test:///default',
			directory: () => '/tmp/p',
		}).plan!;
		expect(p.steps[0]).toMatchObject({
			run: ['ip', 'link', 'set', 'dev', 'eth3', 'up'],
			undo: ['ip', 'link', 'set', 'dev', 'eth3', 'down'],
		});
		expect(p.steps[1]!.run.slice(0, 3)).toEqual(['ip', 'link', 'add']);
	});

	it('a host bridge over a DHCP uplink that no network manager owns is refused, naming the field and why', () => {
		const dhcp = (kind: 'iproute2' | 'netplan'): HostModel => ({
			...demo,
			nics: demo.nics.map((n) =>
				n.name === 'eth3'
					? {...n, addresses: [{family: 'ipv4', address: '10.9.0.7', prefix: 24, scope: 'global', dynamic: true}]}
					: n,
			),
			capabilities: {...demo.capabilities, networkManager: {kind, reason: 'test', connections: {}}},
		});
		const options = {uri: 'test:///default', directory: () => '/tmp/p'};
		const refused = makePlan('bridge', {bridge: 'br7', uplink: 'eth3'}, dhcp('iproute2'), options);
		expect(refused.plan).toBeUndefined();
		expect(refused.errors.map((e) => e.message)).toEqual([
			expect.stringMatching(/^uplink: eth3 has 10\.9\.0\.7\/24 from DHCP and no network manager owns it/),
		]);
		expect(makePlan('bridge', {bridge: 'br7', uplink: 'eth3'}, dhcp('netplan'), options).errors).toEqual([]);
	});
});

describe('a host whose links and routes could not be read', () => {
	it('gets no plan in any mode, with a message that says why (no subnet is picked blindly)', () => {
		const blind: HostModel = {
			...demo,
			nics: [],
			routes: [],
			problems: [...demo.problems, {area: 'nics', message: 'cannot read ip JSON: invalid JSON at offset 0'}],
		};
		for (const mode of modes) {
			const result = makePlan(mode.id, {}, blind, {
				uri: 'test:///default',
				directory: (name) => `/tmp/kvmnet-plans/${name}`,
			});
			expect(result.plan).toBeUndefined();
			expect(result.errors).toEqual([
				{
					field: 'host',
					message: expect.stringMatching(
						/^host: this host's network interfaces and routes could not be read \(cannot read ip JSON: invalid JSON at offset 0\)/,
					),
				},
			]);
		}
		// The same host with its facts read plans as usual.
		expect(
			makePlan('nat', {}, demo, {uri: 'test:///default', directory: (name) => `/tmp/kvmnet-plans/${name}`}).plan,
		).toBeDefined();
	});
});
