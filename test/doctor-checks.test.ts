// The doctor's checks where this kernel cannot build the state (IOMMU, SR-IOV, Wi-Fi, devices, OVS, libvirt
// versions): the packaged demo host (a libvirt test-driver file plus a NIC snapshot), changed one fact at a time,
// and fixture trees for what the host layer reads. Each check is seen passing and failing.
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {
	checks,
	doctorExitCode,
	fixPlan,
	groupTitles,
	isFixable,
	runChecks,
	statusOrder,
	type CheckResult,
	type DoctorFacts,
} from '../source/core/doctor/index.js';
import type {HostModel} from '../source/core/model.js';
import {loadDemoDoctorFacts, loadDemoHost} from '../source/host/demo.js';
import {Runner} from '../source/host/runner.js';
import {parseIpv6RouteTable, parseProcNet} from '../source/core/parse-proc.js';
import {scanDoctorFacts} from '../source/host/scan-doctor.js';
import {doctorText} from '../source/ui/doctor-text.js';

let host: HostModel;
let facts: DoctorFacts;

beforeAll(async () => {
	host = await loadDemoHost();
	facts = await loadDemoDoctorFacts();
});

const check = (results: CheckResult[], id: string) => {
	const found = results.find((r) => r.id === id);
	if (!found) throw new Error(`no check ${id} in ${results.map((r) => r.id).join(', ')}`);
	return found;
};
const status = (h: HostModel, f: DoctorFacts, id: string) => check(runChecks(h, f), id).status;
const withNic = (
	h: HostModel,
	name: string,
	change: (nic: HostModel['nics'][number]) => HostModel['nics'][number],
) => ({...h, nics: h.nics.map((n) => (n.name === name ? change(n) : n))});

describe('doctor checks on the demo host, one fact changed at a time', () => {
	it('puts failures first and exits 2 with failures, 1 with warnings only, 0 when all pass', () => {
		const results = runChecks(host, facts);
		const order = {fail: 0, warn: 1, pass: 2, 'n/a': 3};
		expect(results.map((r) => order[r.status])).toEqual([...results.map((r) => order[r.status])].sort((a, b) => a - b));
		expect(doctorExitCode(results)).toBe(2);
		expect(doctorExitCode(results.filter((r) => r.status !== 'fail'))).toBe(1);
		expect(doctorExitCode(results.filter((r) => r.status === 'pass'))).toBe(0);
		expect(doctorText(results)).toMatch(/^kvmnet doctor: \d+ failed, \d+ warnings/);
	});

	it('IOMMU: passes with groups and vfio-pci, fails without groups while a VF pool is in use, warns without vfio-pci', () => {
		expect(status(host, facts, 'iommu')).toBe('pass');
		expect(status({...host, capabilities: {...host.capabilities, iommuGroups: 0}}, facts, 'iommu')).toBe('fail');
		expect(status(host, {...facts, vfio: false}, 'iommu')).toBe('warn');
		const bare = {
			...host,
			networks: host.networks.filter((n) => n.mode !== 'hostdev'),
			vms: [],
			nics: host.nics.map(({sriov, ...n}) => n),
		};
		expect(status(bare, facts, 'iommu')).toBe('n/a');
	});

	it("forward-drop: a FORWARD DROP outside the chain libvirt uses cuts NAT guests off; libvirt's iptables backend is not fooled", () => {
		// The demo: Docker's FORWARD DROP, libvirt on iptables (its jumps sit at the top of FORWARD): fine.
		expect(check(runChecks(host, facts), 'forward-drop')).toMatchObject({status: 'pass'});
		// libvirt on nftables (its own table) beside Docker's iptables-nft FORWARD DROP: libvirt's accept does not help.
		const iptablesOnly = {
			...facts,
			iptables: {rules: (facts.iptables as {rules: string[]}).rules.filter((r) => !r.includes('LIBVIRT_'))},
		};
		const nftBackend: DoctorFacts = {
			...iptablesOnly,
			nftTables: ['table ip filter', 'table ip libvirt_network'],
			nftForwardDrops: [{chain: 'ip filter FORWARD', rules: 4, acceptsFrom: [], acceptsTo: [], acceptsReplies: false}],
		};
		const failed = check(runChecks(host, nftBackend), 'forward-drop');
		expect(failed).toMatchObject({status: 'fail'});
		expect(failed.seen).toMatch(
			/the iptables FORWARD policy is DROP with no accept for .*virbr0.*libvirt's nftables firewall backend/,
		);
		expect(failed.fix?.text).toMatch(
			/iptables -I DOCKER-USER -i virbr0 -j ACCEPT; iptables -I DOCKER-USER -o virbr0 -m conntrack/,
		);
		// Accepts for every NAT/routed bridge in DOCKER-USER: passes.
		const bridges = host.networks.filter((n) => n.active && (n.mode === 'nat' || n.mode === 'route') && n.bridge);
		const accepted: DoctorFacts = {
			...nftBackend,
			iptables: {
				rules: [
					...(iptablesOnly.iptables as {rules: string[]}).rules,
					...bridges.flatMap((n) => [
						`-A DOCKER-USER -i ${n.bridge} -j ACCEPT`,
						`-A DOCKER-USER -o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
					]),
				],
			},
		};
		expect(check(runChecks(host, accepted), 'forward-drop').status).toBe('pass');
		// A native nftables forward chain with policy drop, whatever libvirt's backend: with no rules it drops every
		// forwarded packet (fail); an accept for each bridge and for the replies lets them through.
		const nativeDrop = (rules: number, acceptsFrom: string[], acceptsReplies = false) =>
			check(
				runChecks(host, {
					...facts,
					nftForwardDrops: [{chain: 'inet filter forward', rules, acceptsFrom, acceptsTo: [], acceptsReplies}],
				}),
				'forward-drop',
			);
		expect(nativeDrop(0, [])).toMatchObject({
			status: 'fail',
			seen: expect.stringContaining('nft chain inet filter forward has policy drop and no rules'),
		});
		const native = nativeDrop(3, []);
		expect(native).toMatchObject({
			status: 'warn',
			seen: expect.stringContaining('and no plain accept (iifname BRIDGE'),
		});
		expect(native.fix?.text).toContain('nft insert rule inet filter forward iifname "virbr0" accept');
		// The guests' way out without their replies' way back is still cut off.
		expect(
			nativeDrop(
				2,
				bridges.map((n) => n.bridge!),
			).status,
		).toBe('warn');
		expect(
			nativeDrop(
				3,
				bridges.map((n) => n.bridge!),
				true,
			).status,
		).toBe('pass');
	});

	it('SR-IOV: VFs that nothing recreates at boot warn; a udev rule for the PF passes; no VFs fails with a fix that creates them', () => {
		const pool = host.networks.find((n) => n.mode === 'hostdev' && n.pfDev)!;
		const id = `vfs:${pool.name}`;
		expect(status(host, facts, id)).toBe('warn');
		const persisted = {
			...facts,
			vfPersistence: [
				{
					file: '/etc/udev/rules.d/70-vfs.rules',
					lines: [`ACTION=="add", SUBSYSTEM=="net", KERNELS=="0000:03:00.0", ATTR{device/sriov_numvfs}="2"`],
				},
			],
		};
		expect(status(host, persisted, id)).toBe('pass');
		// KERNEL=="enp3s0f0" on "add": the device still has the kernel's name then, so the rule never runs.
		const byName = {
			...facts,
			vfPersistence: [
				{
					file: '/etc/udev/rules.d/70-vfs.rules',
					lines: [`ACTION=="add", KERNEL=="${pool.pfDev}", ATTR{device/sriov_numvfs}="2"`],
				},
			],
		};
		expect(check(runChecks(host, byName), id)).toMatchObject({
			status: 'warn',
			seen: expect.stringContaining(`names it KERNEL=="${pool.pfDev}", which never matches at boot`),
			fix: {text: expect.stringContaining('KERNELS=="0000:03:00.0"')},
		});
		expect(
			status(
				host,
				{
					...facts,
					vfPersistence: [
						{file: '/etc/udev/rules.d/70-vfs.rules', lines: ['KERNEL=="other0", ATTR{device/sriov_numvfs}="2"']},
					],
				},
				id,
			),
		).toBe('warn');
		const noVfs = withNic(host, pool.pfDev!, (nic) => ({...nic, sriov: {totalVfs: nic.sriov!.totalVfs, numVfs: 0}}));
		const result = check(runChecks(noVfs, facts), id);
		expect(result.status).toBe('fail');
		expect(result.fix?.steps?.[0]).toMatchObject({
			run: ['tee', `/sys/class/net/${pool.pfDev}/device/sriov_numvfs`],
			input: `${noVfs.nics.find((n) => n.name === pool.pfDev)!.sriov!.totalVfs}\n`,
			undoInput: '0\n',
		});
	});

	it('Wi-Fi: passes while the Wi-Fi NIC is not bridged, fails when a bridge or a macvtap network uses it', () => {
		expect(status(host, facts, 'wifi')).toBe('pass');
		const bridged = {
			...host,
			bridges: host.bridges.map((b, i) => (i === 0 ? {...b, ports: [...b.ports, {name: 'wlan0'}]} : b)),
		};
		expect(status(bridged, facts, 'wifi')).toBe('fail');
		const macvtap = {
			...host,
			networks: host.networks.map((n) =>
				n.mode === 'macvtap-bridge' ? {...n, forwardDev: 'wlan0', forwardInterfaces: ['wlan0']} : n,
			),
		};
		expect(check(runChecks(macvtap, facts), 'wifi').seen).toMatch(/puts macvtap on wlan0/);
		expect(status({...host, nics: host.nics.map((n) => ({...n, wireless: false}))}, facts, 'wifi')).toBe('n/a');
	});

	it('devices: all present pass; no /dev/kvm or /dev/net/tun fails; no /dev/vhost-net warns', () => {
		expect(status(host, facts, 'devices')).toBe('pass');
		expect(status(host, {...facts, devices: {...facts.devices, kvm: false}}, 'devices')).toBe('fail');
		expect(status(host, {...facts, devices: {...facts.devices, tun: false}}, 'devices')).toBe('fail');
		expect(status(host, {...facts, devices: {...facts.devices, vhostNet: false}}, 'devices')).toBe('warn');
	});

	it('Open vSwitch: passes running, fails stopped or missing while an OVS network exists', () => {
		expect(status(host, facts, 'ovs')).toBe('pass');
		expect(
			check(runChecks({...host, capabilities: {...host.capabilities, ovs: 'stopped'}}, facts), 'ovs'),
		).toMatchObject({
			status: 'fail',
			fix: {text: expect.stringContaining('systemctl enable --now openvswitch-switch')},
		});
		expect(status({...host, capabilities: {...host.capabilities, ovs: 'missing'}}, facts, 'ovs')).toBe('fail');
	});

	it('libvirt version: <vlan> on a Linux-bridge network fails before libvirt 11 and passes from 11.0', () => {
		const vlan = {
			...host,
			networks: host.networks.map((n) =>
				n.name === 'vlan-bridge' ? {...n, vlan: {tags: [{id: 100}], trunk: false}} : n,
			),
		};
		expect(status(host, facts, 'libvirt-features')).toBe('pass');
		expect(status(vlan, facts, 'libvirt-features')).toBe('fail');
		expect(
			status(
				{...vlan, header: {...vlan.header, libvirt: {...vlan.header.libvirt, version: '11.0.0'}}},
				facts,
				'libvirt-features',
			),
		).toBe('pass');
	});

	it('macvtap: a VM with only macvtap interfaces warns that it cannot reach the host', () => {
		expect(status(host, facts, 'macvtap-host')).toBe('pass');
		const onlyMacvtap = {
			...host,
			vms: host.vms.map((vm) =>
				vm.name === 'lab01' ? {...vm, interfaces: vm.interfaces.filter((i) => i.type === 'direct')} : vm,
			),
		};
		expect(check(runChecks(onlyMacvtap, facts), 'macvtap-host')).toMatchObject({
			status: 'warn',
			seen: expect.stringContaining('lab01 has only macvtap interfaces'),
		});
	});

	it('Docker: a DROP policy fails only for VMs on a host bridge; a blanket DROP in DOCKER-USER fails for every VM bridge', () => {
		const rules = 'rules' in facts.iptables ? facts.iptables.rules : [];
		expect(status(host, facts, 'docker')).toBe('fail');
		const accepted = {
			...facts,
			iptables: {
				rules: [...rules, '-A DOCKER-USER -i br0 -o br0 -j ACCEPT', '-A DOCKER-USER -i br100 -o br100 -j ACCEPT'],
			},
		};
		expect(status(host, accepted, 'docker')).toBe('pass');
		const blanket = {...accepted, iptables: {rules: [...accepted.iptables.rules, '-A DOCKER-USER -j DROP']}};
		expect(check(runChecks(host, blanket), 'docker')).toMatchObject({
			status: 'fail',
			seen: expect.stringMatching(
				/^DOCKER-USER has "-A DOCKER-USER -j DROP", which drops VM traffic on br0, br100, .*virbr0/,
			),
		});
		expect(status(host, {...facts, docker: false}, 'docker')).toBe('n/a');
	});

	it("subnet overlaps, IPv4 and IPv6: a host address inside a network's subnet fails; the network's own bridge does not count", () => {
		expect(check(runChecks(host, facts), 'subnets')).toMatchObject({
			status: 'pass',
			seen: expect.stringContaining('none overlapping'),
		});
		const add = (address: HostModel['nics'][number]['addresses'][number]) =>
			withNic(host, 'eth1', (n) => ({...n, addresses: [...n.addresses, address]}));
		const v4 = add({family: 'ipv4', address: '192.168.122.77', prefix: 24});
		expect(check(runChecks(v4, facts), 'subnets')).toMatchObject({
			status: 'fail',
			seen: 'network default (192.168.122.0/24) overlaps 192.168.122.77/24 on eth1',
		});
		const v6 = add({family: 'ipv6', address: '2001:db8:30::5', prefix: 64, scope: 'global'});
		expect(check(runChecks(v6, facts), 'subnets')).toMatchObject({
			status: 'fail',
			seen: 'network lab-nat6 (2001:db8:30::/64) overlaps 2001:db8:30::5/64 on eth1',
		});
		const wider = add({family: 'ipv6', address: '2001:db8::5', prefix: 32, scope: 'global'});
		expect(check(runChecks(wider, facts), 'subnets').seen).toContain(
			'network lab-nat6 (2001:db8:30::/64) overlaps 2001:db8::5/32 on eth1',
		);
	});

	it('firewalld and ufw warn when active', () => {
		expect(status(host, facts, 'host-firewall')).toBe('pass');
		expect(status(host, {...facts, firewalld: true}, 'host-firewall')).toBe('warn');
		expect(check(runChecks(host, {...facts, ufw: true}), 'host-firewall').fix?.text).toMatch(/DEFAULT_FORWARD_POLICY/);
	});

	it("libvirt's firewall rules: the nftables backend's table counts as much as the iptables chains", () => {
		// libvirt >= 10.4 can use nftables (network.conf firewall_backend): no LIBVIRT_* chains, one libvirt_network table.
		const nftOnly = {
			...facts,
			iptables: {rules: ['-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT']},
			libvirtFirewallBackend: 'nftables',
		};
		expect(
			check(
				runChecks(host, {
					...nftOnly,
					nftTables: ['table inet filter', 'table ip libvirt_network', 'table ip6 libvirt_network'],
				}),
				'libvirt-firewall',
			),
		).toMatchObject({status: 'pass', seen: expect.stringContaining('nft table libvirt_network')});
		expect(check(runChecks(host, {...nftOnly, nftTables: ['table inet filter']}), 'libvirt-firewall')).toMatchObject({
			status: 'fail',
			seen: expect.stringContaining('firewall backend nftables (network.conf)'),
		});
		expect(
			status(host, {...facts, iptables: {error: 'iptables: Permission denied (you must be root)'}}, 'libvirt-firewall'),
		).toBe('n/a');
	});

	it('a fix becomes a plan only where it has steps', () => {
		const results = runChecks(host, facts);
		expect(fixPlan(host, check(results, 'forwarding'), '/tmp/x')).toMatchObject({
			mode: 'doctor',
			params: {check: 'forwarding'},
			steps: [
				{run: ['sysctl', '-w', 'net.ipv6.conf.eth0.accept_ra=2']},
				{run: ['sysctl', '-w', 'net.ipv6.conf.all.forwarding=1']},
			],
		});
		expect(fixPlan(host, check(results, 'libvirt-firewall'), '/tmp/x')).toBeUndefined();
	});
});

// /proc/net/ipv6_route of a namespace that took a router advertisement (dnsmasq --enable-ra next door): the prefix
// and default routes carry RTF_ADDRCONF (0x40000); the link-local, host and multicast routes do not.
const ipv6RouteTable = [
	'fd000055000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 000c0001    lanv6',
	'fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001    lanv6',
	'00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe80000000000000b4aacdfffee92ab7 00000400 00000001 00000000 00450003    lanv6',
	'fd00005500000000cc7dc0fffe09b75a 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001    lanv6',
	'ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000005 00000000 00000001    eth9',
	'00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
	'',
].join('\n');

describe('IPv6 router advertisements and forwarding', () => {
	it('finds the interfaces with routes from router advertisements in /proc/net/ipv6_route', () => {
		expect(parseIpv6RouteTable(ipv6RouteTable)).toEqual(['lanv6']);
		expect(parseIpv6RouteTable('')).toEqual([]);
	});

	it('fails as libvirt would: accept_ra 1, or 0 while "all" is 1; passes with 2; n/a without an IPv6 forwarding network', () => {
		const at = (acceptRa: string, all = '1') =>
			check(
				runChecks(host, {
					...facts,
					sysctl: {...facts.sysctl, 'net.ipv6.conf.all.accept_ra': all},
					raInterfaces: [{interface: 'eth0', acceptRa}],
				}),
				'ipv6-ra',
			);
		expect(at('1')).toMatchObject({
			status: 'fail',
			seen: 'eth0 (accept_ra 1) has routes from router advertisements, and lab-nat6 needs IPv6 forwarding',
		});
		expect(at('1').fix!.steps!.map((s) => [s.run, s.undo])).toEqual([
			[
				['sysctl', '-w', 'net.ipv6.conf.eth0.accept_ra=2'],
				['sysctl', '-w', 'net.ipv6.conf.eth0.accept_ra=1'],
			],
		]);
		expect(at('0', '1').status).toBe('fail');
		expect(at('0', '0').status).toBe('pass');
		expect(at('2')).toMatchObject({
			status: 'pass',
			seen: 'routes from router advertisements only on eth0 (accept_ra 2)',
		});
		const vlanName = check(
			runChecks(host, {...facts, raInterfaces: [{interface: 'eth0.100', acceptRa: '1'}]}),
			'ipv6-ra',
		);
		expect(vlanName.fix!.steps![0]!.run).toEqual(['sysctl', '-w', 'net/ipv6/conf/eth0.100/accept_ra=2']);
		const noIpv6 = {
			...host,
			networks: host.networks.map((n) => ({...n, ips: n.ips.filter((ip) => ip.family === 'ipv4')})),
		};
		expect(status(noIpv6, facts, 'ipv6-ra')).toBe('n/a');
	});

	it('the IPv6 forwarding fix sets accept_ra 2 first, so turning forwarding on keeps the advertised default route', () => {
		const fix = check(runChecks(host, facts), 'forwarding').fix!;
		expect(fix.steps!.map((s) => s.run.join(' '))).toEqual([
			'sysctl -w net.ipv6.conf.eth0.accept_ra=2',
			'sysctl -w net.ipv6.conf.all.forwarding=1',
		]);
	});
});

describe('doctor facts read from a fixture tree', () => {
	it('finds vfio-pci, VF persistence, ufw, the devices and the sysctls under the given root', async () => {
		const root = mkdtempSync(join(tmpdir(), 'kvmnet-doctor-root-'));
		const file = (path: string, content: string) => {
			mkdirSync(join(root, path, '..'), {recursive: true});
			writeFileSync(join(root, path), content);
		};
		file(
			'etc/udev/rules.d/70-kvmnet-sriov-enp3s0f0.rules',
			'# a comment about sriov_numvfs\nACTION=="add", SUBSYSTEM=="net", KERNEL=="enp3s0f0", ATTR{device/sriov_numvfs}="4"\n',
		);
		file('etc/ufw/ufw.conf', 'ENABLED=yes\n');
		file('proc/sys/net/ipv4/ip_forward', '0\n');
		file('proc/net/ipv6_route', ipv6RouteTable);
		file('proc/sys/net/ipv6/conf/lanv6/accept_ra', '2\n');
		file('dev/net/tun', '');
		mkdirSync(join(root, 'sys/bus/pci/drivers/vfio-pci'), {recursive: true});
		// No PATH: neither iptables nor nft is found, so nothing is run.
		const runner = new Runner();
		const found = await scanDoctorFacts(runner, {root, env: {PATH: ''}});
		expect(runner.history).toEqual([]);
		expect(found).toMatchObject({
			vfio: true,
			ufw: true,
			devices: {kvm: false, tun: true, vhostNet: false},
			vfPersistence: [
				{
					file: '/etc/udev/rules.d/70-kvmnet-sriov-enp3s0f0.rules',
					lines: ['ACTION=="add", SUBSYSTEM=="net", KERNEL=="enp3s0f0", ATTR{device/sriov_numvfs}="4"'],
				},
			],
			iptables: {error: 'iptables is not installed'},
			raInterfaces: [{interface: 'lanv6', acceptRa: '2'}],
		});
		expect(found.sysctl['net.ipv4.ip_forward']).toBe('0');
		expect(found.sysctl['net.bridge.bridge-nf-call-iptables']).toBeUndefined();
		expect(runChecks(host, found).find((r) => r.id === 'devices')?.status).toBe('fail');
	});

	it('reads DNS/DHCP sockets from /proc/net: listening TCP and bound UDP on 53, 67 and 547 only', () => {
		const udp = [
			'  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
			'  1: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   991        0 20211 2 0000000000000000 0',
			'  2: 00000000:0043 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 31337 2 0000000000000000 0',
			'  3: 00000000:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 40000 2 0000000000000000 0',
		].join('\n');
		expect(parseProcNet(udp, 'udp')).toEqual([
			{protocol: 'udp', address: '127.0.0.53', port: 53, inode: '20211'},
			{protocol: 'udp', address: '0.0.0.0', port: 67, inode: '31337'},
		]);
		const tcp6 = [
			'  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
			'   0: 00000000000000000000000000000000:0035 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000000000000 100 0 0 10 0',
			'   1: 00000000000000000000000000000000:0035 00000000000000000000000000000000:0000 01 00000000:00000000 00:00000000 00000000     0        0 556 1 0000000000000000 100 0 0 10 0',
		].join('\n');
		expect(parseProcNet(tcp6, 'tcp')).toEqual([{protocol: 'tcp', address: '::', port: 53, inode: '555'}]);
	});
});

describe('the doctor registry', () => {
	it('runs every check of every group once, in registry order within a status; each result carries its check’s group', () => {
		const ids = checks.map((c) => c.id);
		expect(new Set(ids).size).toBe(ids.length);
		expect(new Set(checks.map((c) => c.group))).toEqual(new Set(Object.keys(groupTitles)));
		const expected: CheckResult[] = [];
		for (const c of checks) {
			const results = [c.run(host, facts)].flat();
			// `reach` speaks only when the host or its libvirt could not be reached (this host is reached).
			if (c.id === 'reach') {
				expect(results).toEqual([]);
				continue;
			}
			expect(results.length, c.id).toBeGreaterThan(0);
			for (const r of results) expect(r.group, r.id).toBe(c.group);
			// A check's own id is one of its results' ids (the only one, for a single result).
			expect(results.map((r) => r.id)).toContain(c.id === 'networks' ? 'network:default' : c.id);
			expected.push(...results);
		}
		const ran = runChecks(host, facts);
		expect(ran).toEqual(
			[...expected].sort(
				(a, b) => statusOrder[a.status] - statusOrder[b.status] || expected.indexOf(a) - expected.indexOf(b),
			),
		);
		expect(ran.map((r) => r.id)).toEqual(expect.arrayContaining(['network:default', 'iommu', 'forwarding', 'wifi']));
		// Unreachable, it fails and says why: the doctor does not end "0 failed" having checked nothing.
		const lost = {
			...host,
			header: {...host.header, libvirt: {uri: 'qemu:///system', reachable: false, error: 'no socket'}},
		};
		expect(runChecks(lost, facts).find((r) => r.id === 'reach')).toMatchObject({
			status: 'fail',
			seen: 'libvirt at qemu:///system is not reachable: no socket',
		});
	});

	it('isFixable: plan steps and a failure or warning; fixPlan, the screen and the text all follow it', () => {
		const steps = [{title: 't', run: ['true']}];
		const base: CheckResult = {id: 'x', group: 'kernel', title: 'x', status: 'fail', seen: '', why: ''};
		expect(isFixable({...base, fix: {text: 'do', steps}})).toBe(true);
		expect(isFixable({...base, status: 'warn', fix: {text: 'do', steps}})).toBe(true);
		expect(isFixable({...base, status: 'pass', fix: {text: 'do', steps}})).toBe(false);
		expect(isFixable({...base, status: 'n/a', fix: {text: 'do', steps}})).toBe(false);
		expect(isFixable({...base, fix: {text: 'do', steps: []}})).toBe(false);
		expect(isFixable({...base, fix: {text: 'do'}})).toBe(false);
		expect(isFixable(base)).toBe(false);
		expect(fixPlan(host, {...base, status: 'pass', fix: {text: 'do', steps}}, '/tmp/x')).toBeUndefined();
		expect(fixPlan(host, {...base, fix: {text: 'do', steps}}, '/tmp/x')?.steps).toEqual(steps);
		for (const r of runChecks(host, facts))
			expect(doctorText([r]).includes('kvmnet can apply this fix'), r.id).toBe(isFixable(r));
	});
});
