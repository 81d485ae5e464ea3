// The inventory of a real kernel: links built in a network namespace, scanned by the built kvmnet inside it.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import {inventoryJson, runCli} from './harness/cli.js';
import {isRoot, Namespace} from './harness/netns.js';
import {Ovs} from './harness/ovs.js';

describe.skipIf(!isRoot)('inventory inside a network namespace', () => {
	let ns: Namespace;
	let peer: Namespace;
	let ovs: Ovs;
	let model: HostModel;

	beforeAll(async () => {
		ns = await Namespace.create('inv');
		peer = await Namespace.create('invpeer');
		ovs = await new Ovs().start(ns.name);
		await ns.ipBatch([
			'link add up0 type veth peer name lan0',
			'link add br0 type bridge stp_state 1',
			'link set up0 master br0',
			'tuntap add dev vnet7 mode tap',
			'link set vnet7 master br0',
			'link add link lan0 name macvtap3 type macvtap mode bridge',
			'link add link lan0 name mvl0 type macvlan mode private',
			'link add dead0 type veth peer name dead1',
			'link set br0 up',
			'link set up0 up',
			'link set lan0 up',
			'link set vnet7 up',
			'addr add 10.77.0.1/24 dev br0',
			'addr add 10.88.0.2/24 dev lan0',
			// IPv6 too: an address (no duplicate address detection, so it is usable at once) and a routed prefix.
			'addr add fd00:88::2/64 dev lan0 nodad',
			'route add fd00:99::/64 via fd00:88::1 dev lan0',
		]);
		// A veth whose peer lives in another namespace: "the other end" is not visible from here.
		await ns.ip('link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'hostside0', 'netns', peer.name);
		await ovs.addBridge('obr0');
		await ns.ip('tuntap', 'add', 'dev', 'vnet8', 'mode', 'tap');
		await ovs.vsctl('add-port', 'obr0', 'vnet8', 'tag=30');
		await ovs.vsctl('add-port', 'obr0', 'trunk0', 'trunks=10,20', '--', 'set', 'interface', 'trunk0', 'type=internal');
		model = await inventoryJson(['--connect', 'test:///default'], {namespace: ns.name, env: ovs.env});
	});

	afterAll(async () => {
		await ovs?.stop();
		await ns?.destroy();
		await peer?.destroy();
	});

	const nic = (name: string) => {
		const found = model.nics.find((n) => n.name === name);
		if (!found) throw new Error(`${name} is not in the inventory: ${model.nics.map((n) => n.name).join(' ')}`);
		return found;
	};

	it('lists every link, down and address-less ones too', () => {
		for (const name of [
			'lo',
			'up0',
			'lan0',
			'br0',
			'vnet7',
			'macvtap3',
			'mvl0',
			'dead0',
			'dead1',
			'uplink0',
			'obr0',
			'vnet8',
		])
			nic(name);
		expect(nic('dead0')).toMatchObject({kind: 'veth', state: 'down', addresses: []});
	});

	it('names kinds, masters, parents and addresses', () => {
		expect(nic('br0')).toMatchObject({
			kind: 'bridge',
			stp: true,
			addresses: [expect.objectContaining({address: '10.77.0.1', prefix: 24})],
		});
		expect(nic('up0')).toMatchObject({kind: 'veth', master: 'br0', parent: 'lan0'});
		expect(nic('vnet7')).toMatchObject({kind: 'tap', master: 'br0'});
		expect(nic('macvtap3')).toMatchObject({kind: 'macvtap', kindDetail: 'bridge', parent: 'lan0'});
		expect(nic('mvl0')).toMatchObject({kind: 'macvlan', kindDetail: 'private', parent: 'lan0'});
		expect(nic('uplink0')).toMatchObject({kind: 'veth', parentInOtherNamespace: true});
		expect(nic('lan0').addresses.map((a) => `${a.address}/${a.prefix}`)).toContain('10.88.0.2/24');
		// The OVS bridge's kernel device is named as OVS, not as a plain tap.
		expect(nic('obr0').kind).toBe('ovs');
	});

	it('shows the Linux bridge with its ports and the OVS bridge with tags and trunks', () => {
		const br0 = model.bridges.find((b) => b.name === 'br0')!;
		expect(br0).toMatchObject({type: 'linux', stp: true});
		expect(br0.ports.map((p) => p.name).sort()).toEqual(['up0', 'vnet7']);
		const obr0 = model.bridges.find((b) => b.name === 'obr0')!;
		expect(obr0).toMatchObject({type: 'ovs', datapath: 'netdev'});
		expect(obr0.ports).toEqual([
			{name: 'trunk0', trunks: [10, 20], ovsType: 'internal'},
			{name: 'vnet8', tag: 30},
		]);
	});

	it('finds routes, and spends one ip, one ovs-vsctl and one virsh process', () => {
		expect(model.routes).toContainEqual(expect.objectContaining({destination: '10.77.0.0/24', dev: 'br0'}));
		expect(model.scan.commands.map((argv) => argv[0]).sort()).toEqual(['ip', 'ovs-vsctl', 'virsh']);
		expect(model.problems).toEqual([]);
	});

	it('finds IPv6 routes and addresses, and a plan whose IPv6 prefix overlaps one is refused, naming it', async () => {
		expect(model.routes).toContainEqual(
			expect.objectContaining({destination: 'fd00:99::/64', gateway: 'fd00:88::1', dev: 'lan0'}),
		);
		expect(nic('lan0').addresses).toContainEqual(
			expect.objectContaining({family: 'ipv6', address: 'fd00:88::2', prefix: 64, options: ['nodad']}),
		);
		const plan = (ipv6: string) =>
			runCli(['plan', '--mode', 'nat', '--ipv6', ipv6, '--connect', 'test:///default'], {
				namespace: ns.name,
				env: ovs.env,
			});
		expect(await plan('fd00:99::1/64')).toMatchObject({
			exitCode: 2,
			stderr: 'kvmnet: ipv6: fd00:99::1/64 overlaps the route to fd00:99::/64 on lan0',
		});
		expect(await plan('fd00:88:0:0:8000::1/65')).toMatchObject({
			exitCode: 2,
			stderr: 'kvmnet: ipv6: fd00:88:0:0:8000::1/65 overlaps the route to fd00:88::/64 on lan0',
		});
		expect(await plan('fd00:98::1/64')).toMatchObject({exitCode: 0, stdout: expect.stringContaining('fd00:98::1')});
	});

	it('tells Open vSwitch installed but stopped from its missing socket, without running ovs-vsctl', async () => {
		const stopped = await inventoryJson(['--connect', 'test:///default'], {
			namespace: ns.name,
			env: {...ovs.env, OVS_RUNDIR: `${ovs.dir}/not-running`},
		});
		expect(stopped.capabilities.ovs).toBe('stopped');
		expect(stopped.problems).toEqual([
			{area: 'ovs', message: expect.stringContaining(`database socket ${ovs.dir}/not-running/db.sock does not exist`)},
		]);
		expect(stopped.scan.commands.map((argv) => argv[0]).sort()).toEqual(['ip', 'virsh']);
	});

	it('marks the interface that carries the SSH session, found by the route to the client', async () => {
		const withSsh = await inventoryJson(['--connect', 'test:///default'], {
			namespace: ns.name,
			env: {...ovs.env, SSH_CONNECTION: '10.88.0.50 51234 10.88.0.2 22'},
		});
		expect(withSsh.header.ssh).toEqual({clientAddress: '10.88.0.50', serverAddress: '10.88.0.2', interface: 'lan0'});
		const overIpv6 = await inventoryJson(['--connect', 'test:///default'], {
			namespace: ns.name,
			env: {...ovs.env, SSH_CONNECTION: 'fd00:88::50 51234 fd00:88::2 22'},
		});
		expect(overIpv6.header.ssh).toEqual({clientAddress: 'fd00:88::50', serverAddress: 'fd00:88::2', interface: 'lan0'});
		const lost = await inventoryJson(['--connect', 'test:///default'], {
			namespace: ns.name,
			env: {...ovs.env, SSH_CONNECTION: '203.0.113.9 5 10.88.0.2 22'},
		});
		expect(lost.header.ssh).toMatchObject({clientAddress: '203.0.113.9', error: expect.stringContaining('no route')});
	});
});
