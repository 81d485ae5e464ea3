import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {
	domainNetworkParts,
	parseDomainXml,
	parseNetworkXml,
	parseTestDriverHost,
	parseVirshInfo,
	parseVirshVersion,
} from '../source/core/parse-libvirt.js';
import {ParseError} from '../source/core/parse-util.js';

describe('libvirt XML and virsh text', () => {
	it.each([
		['empty output', '', /network XML: the XML is empty/],
		['unclosed element', '<network><name>x</name>', /network XML: invalid XML/],
		['another document', '<domain><name>x</name></domain>', /no <network> element/],
		['no name', '<network><bridge name="virbr0"/></network>', /<network> has no <name>/],
	])('a network with %s is a ParseError saying so', (_what, xml, message) => {
		expect(() => parseNetworkXml(xml)).toThrow(ParseError);
		expect(() => parseNetworkXml(xml)).toThrow(message);
	});

	it('refuses a broken domain and a host file without <node>', () => {
		expect(() => parseDomainXml('<domain>')).toThrow(/domain XML: invalid XML/);
		expect(() => parseDomainXml('<network/>')).toThrow(/no <domain> element/);
		expect(() => parseTestDriverHost('<host/>')).toThrow(/test driver host file: no <node> element/);
	});

	it('reads what libvirt printed the same with or without the validator, and catches a dump cut off', () => {
		// Real dumps: the demo host's every network and VM, as virsh prints them from the test driver.
		const host = fileURLToPath(new URL('../source/demo/host.xml', import.meta.url));
		const virsh = (...args: string[]) =>
			execFileSync('virsh', ['-q', '-c', `test://${host}`, ...args], {encoding: 'utf8'});
		const networks = virsh('net-list', '--all', '--name').split('\n').filter(Boolean);
		const domains = virsh('list', '--all', '--name').split('\n').filter(Boolean);
		expect(networks.length).toBeGreaterThan(5);
		for (const name of networks) {
			const xml = virsh('net-dumpxml', name);
			expect(parseNetworkXml(xml, {fromLibvirt: true})).toEqual(parseNetworkXml(xml));
			expect(() => parseNetworkXml(xml.slice(0, xml.length / 2), {fromLibvirt: true})).toThrow(
				/network XML: invalid XML: it does not end with <\/network>/,
			);
		}
		for (const name of domains) {
			const xml = virsh('dumpxml', name);
			expect(parseDomainXml(xml, {fromLibvirt: true})).toEqual(parseDomainXml(xml));
			expect(() => parseDomainXml(xml.slice(0, -20), {fromLibvirt: true})).toThrow(ParseError);
		}
	});

	it("parses only the name, uuid and interfaces of a real VM's XML, with the same result as the whole document", () => {
		// A q35 VM as a real libvirtd (qemu driver) prints it: 8 KB, mostly controllers, disks and consoles.
		const xml = readFileSync(
			fileURLToPath(new URL('./fixtures/captured/domain-qemu-web01.xml', import.meta.url)),
			'utf8',
		);
		const parts = domainNetworkParts(xml)!;
		expect(parts.length).toBeLessThan(xml.length / 5);
		expect(parts.match(/<interface /g)).toHaveLength(3);
		const whole = parseDomainXml(xml);
		expect(whole.interfaces.map((i) => [i.type, i.source, i.model])).toEqual([
			['network', 'default', 'virtio'],
			['bridge', 'br0', 'virtio'],
			['direct', 'eth1', 'e1000e'],
		]);
		expect(parseDomainXml(xml, {fromLibvirt: true})).toEqual(whole);
		// Shapes libvirt does not print fall back to the whole document.
		expect(domainNetworkParts('<domain><name>x</name><devices/></domain>')).toBeUndefined();
		expect(domainNetworkParts(xml.replace('\n  <devices>\n', '\n<devices>\n'))).toBeUndefined();
		expect(domainNetworkParts(xml.replace(/\n {4}<\/interface>/g, '</interface>'))).toBeUndefined();
		expect(parseDomainXml('<domain type="kvm">\n  <name>solo</name>\n</domain>\n', {fromLibvirt: true})).toMatchObject({
			name: 'solo',
			interfaces: [],
		});
	});

	it('keeps names exact: leading and trailing spaces, tabs, quotes and entities (libvirt accepts them all)', () => {
		const network = parseNetworkXml(
			`<network>\n  <name> lead&amp;&lt;&apos;&quot;\t</name>\n  <bridge name='virbr3'/>\n  <ip address='10.0.0.1' prefix='24'>\n  </ip>\n</network>\n`,
			{fromLibvirt: true},
		);
		expect(network).toMatchObject({
			name: ' lead&<\'"\t',
			bridge: 'virbr3',
			ips: [{address: '10.0.0.1', prefix: 24, dhcpRanges: []}],
		});
		const xml = `<domain type='qemu'>\n  <name>trail </name>\n  <uuid>6e4c5a3c-0f57-4c4c-9d3a-2b6f1f0a7c11</uuid>\n  <devices>\n    <interface type='network'>\n      <source network=' lead'/>\n    </interface>\n  </devices>\n</domain>\n`;
		for (const parsed of [parseDomainXml(xml), parseDomainXml(xml, {fromLibvirt: true})]) {
			expect(parsed).toMatchObject({
				name: 'trail ',
				uuid: '6e4c5a3c-0f57-4c4c-9d3a-2b6f1f0a7c11',
				interfaces: [{type: 'network', source: ' lead'}],
			});
		}
	});

	it('reads a netmask as a prefix and a network without DHCP', () => {
		const n = parseNetworkXml(
			`<network><name>n</name><forward/><ip address='10.0.0.1' netmask='255.255.240.0'/></network>`,
		);
		expect(n).toMatchObject({
			mode: 'nat',
			ips: [{family: 'ipv4', address: '10.0.0.1', prefix: 20, dhcpRanges: [], dhcpHosts: []}],
		});
	});

	it("gives an <ip> with neither prefix nor netmask libvirt's prefix: the address's class, not /24", () => {
		// virSocketAddrGetIPPrefix (libvirt src/util/virsocketaddr.c): prefix > 0, netmask, then classful.
		const prefixOf = (ip: string) =>
			parseNetworkXml(`<network><name>n</name><forward/>${ip}</network>`).ips.map((i) => i.prefix);
		expect(prefixOf(`<ip address='10.24.10.1'/>`)).toEqual([8]);
		expect(prefixOf(`<ip address='172.20.0.1'/>`)).toEqual([16]);
		expect(prefixOf(`<ip address='192.168.5.1'/>`)).toEqual([24]);
		expect(prefixOf(`<ip address='10.24.10.1' prefix='0'/>`)).toEqual([8]);
		expect(prefixOf(`<ip address='10.24.10.1' prefix='24'/>`)).toEqual([24]);
		expect(prefixOf(`<ip family='ipv6' address='fd00:1::1'/>`)).toEqual([64]);
	});

	it('reads virsh net-info, dominfo and version', () => {
		expect(
			parseVirshInfo('Name:           lab\nActive:         yes\nAutostart:      no\nBridge:         virbr3\n'),
		).toEqual({name: 'lab', active: 'yes', autostart: 'no', bridge: 'virbr3'});
		expect(parseVirshInfo('State:          shut off\nCPU(s):         2\n')).toMatchObject({
			state: 'shut off',
			'cpu(s)': '2',
		});
		expect(
			parseVirshVersion(
				'Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.0\n',
			),
		).toEqual({
			library: '9.0.0',
			hypervisor: 'QEMU 7.2.0',
		});
	});
});
