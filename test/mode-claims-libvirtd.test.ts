// What the modes' texts say libvirt does, checked against a real libvirtd in a namespace rather than taken from
// the docs alone: an open network turns IP forwarding on and adds no firewall rule for its bridge (the open mode's
// pitfalls say so), while a routed one adds its rules (so the check can see rules when there are some).
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot} from './harness/netns.js';

describe.skipIf(!isRoot)('mode claims against a real libvirtd', () => {
	let daemon: Libvirtd;
	const dir = mkdtempSync(join(tmpdir(), 'kvmnet-claims-'));
	const forwarding = async () => (await daemon.exec(['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim();
	// Every rule of both frameworks in the namespace, as text.
	const rules = async () => {
		const nft = await daemon.exec(['nft', 'list', 'ruleset']).catch(() => ({stdout: ''}));
		const iptables = await daemon.exec(['iptables-save']).catch(() => ({stdout: ''}));
		return `${nft.stdout}\n${iptables.stdout}`;
	};
	const network = (name: string, mode: string, bridge: string, subnet: string) => {
		writeFileSync(
			join(dir, `${name}.xml`),
			`<network><name>${name}</name><forward mode='${mode}'/><bridge name='${bridge}'/>
			<ip address='${subnet}.1' prefix='24'><dhcp><range start='${subnet}.100' end='${subnet}.150'/></dhcp></ip></network>`,
		);
		return daemon.virsh(`net-define ${join(dir, `${name}.xml`)}; net-start ${name}`);
	};

	beforeAll(async () => {
		daemon = await Libvirtd.start('claims');
	});

	afterAll(async () => {
		await daemon?.stop();
	});

	it('an open network turns IP forwarding on and adds no firewall rule for its bridge', async () => {
		await daemon.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=0']);
		expect(await forwarding()).toBe('0');
		await network('claimopen', 'open', 'virbr-co', '10.131.0');
		expect(await forwarding()).toBe('1');
		expect(await rules()).not.toContain('virbr-co');
	});

	it('a routed network adds rules for its bridge (the check above sees rules when there are some)', async () => {
		await network('claimroute', 'route', 'virbr-cr', '10.132.0');
		expect(await rules()).toContain('virbr-cr');
	});
});
