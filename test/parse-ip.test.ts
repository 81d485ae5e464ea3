import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {ParseError} from '../source/core/parse-util.js';
import {
	escapeControlsInJsonStrings,
	parseIpLinks,
	parseIpRoutes,
	parseRouteGet,
	parseSysfsInteger,
	splitJsonDocuments,
} from '../source/core/parse-ip.js';

// Captured from a real namespace: br0 (STP on, 10.9.0.1/24) with ports up0 (veth) and tap0 (tap),
// macvtap mvt0 and macvlan mvl0 on peer0, xo0 whose veth peer is in another namespace, dn0/dn1 down.
const capture = readFileSync(new URL('fixtures/captured/ip-batch-namespace.json', import.meta.url), 'utf8');

describe('ip -j -d -batch output', () => {
	const [links, routes, routeGet] = splitJsonDocuments(capture);

	it('splits the three documents of a batch run', () => {
		expect(splitJsonDocuments(capture)).toHaveLength(3);
		// `route get` with no route prints nothing: two documents, and the caller sees the answer is missing.
		const noRoute = readFileSync(new URL('fixtures/captured/ip-batch-no-route.json', import.meta.url), 'utf8');
		expect(splitJsonDocuments(noRoute)).toHaveLength(2);
	});

	it('names every kind, master, parent and state', () => {
		const nics = parseIpLinks(links);
		const byName = Object.fromEntries(nics.map((n) => [n.name, n]));
		expect(nics.map((n) => n.name)).toEqual(['lo', 'peer0', 'up0', 'br0', 'tap0', 'mvt0', 'mvl0', 'xo0', 'dn1', 'dn0']);
		expect(byName['lo']!.kind).toBe('loopback');
		expect(byName['br0']).toMatchObject({kind: 'bridge', stp: true, adminUp: true});
		// The kernel dropped br0's IPv6 address when the bridge went down before the capture.
		expect(byName['br0']!.addresses).toEqual([{family: 'ipv4', address: '10.9.0.1', prefix: 24, scope: 'global'}]);
		expect(byName['up0']).toMatchObject({
			kind: 'veth',
			master: 'br0',
			parent: 'peer0',
			bridgePortState: expect.any(String),
		});
		expect(byName['tap0']).toMatchObject({kind: 'tap', master: 'br0'});
		expect(byName['mvt0']).toMatchObject({kind: 'macvtap', kindDetail: 'bridge', parent: 'peer0'});
		expect(byName['mvl0']).toMatchObject({kind: 'macvlan', kindDetail: 'private', parent: 'peer0'});
		expect(byName['xo0']).toMatchObject({kind: 'veth', parentInOtherNamespace: true});
		expect(byName['xo0']!.parent).toBeUndefined();
		expect(byName['dn0']).toMatchObject({state: 'down', adminUp: false, carrier: false});
		expect(byName['peer0']!.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
	});

	it('keeps unicast routes and drops the kernel local/broadcast ones', () => {
		expect(parseIpRoutes(routes)).toEqual([
			{destination: '10.9.0.0/24', dev: 'br0', table: 'main', protocol: 'kernel', prefsrc: '10.9.0.1'},
		]);
		expect(parseRouteGet(routeGet)).toBe('br0');
	});

	it('adds sysfs facts: physical, wireless, speed, driver, SR-IOV', () => {
		const [nic] = parseIpLinks(
			[
				{
					ifindex: 2,
					ifname: 'enp3s0f0',
					flags: ['UP'],
					mtu: 1500,
					operstate: 'UP',
					link_type: 'ether',
					address: '52:54:00:00:00:01',
					addr_info: [],
				},
			],
			{enp3s0f0: {hasDevice: true, speedMbps: 10000, driver: 'ixgbe', sriovTotalVfs: 63, sriovNumVfs: 4}},
		);
		expect(nic).toMatchObject({kind: 'physical', speedMbps: 10000, driver: 'ixgbe', sriov: {totalVfs: 63, numVfs: 4}});
		const [wifi] = parseIpLinks([{ifindex: 3, ifname: 'wlp2s0', mtu: 1500, operstate: 'UP', addr_info: []}], {
			wlp2s0: {hasDevice: true, wireless: true},
		});
		expect(wifi).toMatchObject({kind: 'wireless', wireless: true});
	});

	it('reads sysfs integers, treating -1 and errors as unknown', () => {
		expect(parseSysfsInteger('1000\n')).toBe(1000);
		expect(parseSysfsInteger('-1\n')).toBeUndefined();
		expect(parseSysfsInteger('')).toBeUndefined();
		expect(parseSysfsInteger(undefined)).toBeUndefined();
	});
});

describe('malformed ip output', () => {
	it.each([
		['truncated JSON', '[{"ifindex":1,"ifname":"lo"', /ends in the middle/],
		['text instead of JSON', 'Object "addr" is unknown', /unexpected text/],
		['invalid JSON inside brackets', '[{"ifindex":1,,}]', /invalid JSON/],
		['a closing bracket first', ']', /unbalanced/],
	])('%s gives a ParseError that says what is wrong', (_what, text, message) => {
		expect(() => splitJsonDocuments(text)).toThrow(ParseError);
		expect(() => splitJsonDocuments(text)).toThrow(message);
	});

	it('empty output is no documents, and a non-array is refused by name', () => {
		expect(splitJsonDocuments('')).toEqual([]);
		expect(() => parseIpLinks({})).toThrow(/ip -j -d addr output: expected a JSON array/);
		expect(() => parseIpLinks([{ifname: 'x'}])).toThrow(/no ifname or ifindex/);
		expect(() => parseIpLinks([42])).toThrow(/expected a JSON object/);
	});
});

// iproute2 6.1 prints control characters other than \b \f \n \r \t raw inside JSON strings (seen with
// `ip link add $'x\e[2J' type veth peer name $'y\a1'` and an alias ending in \x01): JSON.parse refuses them.
describe('ip JSON with raw control characters inside strings', () => {
	const link = (index: number, name: string, extra = '') =>
		`{"ifindex":${index},"ifname":"${name}","flags":["UP"],"mtu":1500,"operstate":"UP"${extra},"addr_info":[{"family":"inet","local":"10.${index}.0.1","prefixlen":24}]}`;
	const normal = [link(1, 'lo'), link(2, 'eth0'), link(3, 'br0')];

	it('parses ESC, BEL and other C0 characters in names and aliases, keeping them exactly', () => {
		const odd = link(4, 'x\x1b[2J', ',"ifalias":"a\\nb\x07\x01","link":"y\x071"');
		const text = `[${[...normal, odd].join(',')}]\n[{"dst":"10.2.0.0/24","dev":"x\x1b[2J"}]\n`;
		expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
		const [links, routes] = splitJsonDocuments(text);
		const nics = parseIpLinks(links);
		expect(nics.map((n) => n.name)).toEqual(['lo', 'eth0', 'br0', 'x\x1b[2J']);
		expect(nics[3]).toMatchObject({parent: 'y\x071', addresses: [{address: '10.4.0.1', prefix: 24}]});
		expect(parseIpRoutes(routes)).toEqual([{destination: '10.2.0.0/24', dev: 'x\x1b[2J'}]);
	});

	it('one odd link among a thousand normal ones keeps the whole list', () => {
		const many = Array.from({length: 1000}, (_, i) => link(i + 10, `v${i}`));
		many.splice(500, 0, link(5, '\x1b]0;title\x07'));
		const [links] = splitJsonDocuments(`[${many.join(',')}]\n`);
		const nics = parseIpLinks(links);
		expect(nics).toHaveLength(1001);
		expect(nics[500]!.name).toBe('\x1b]0;title\x07');
	});

	it('escapes only inside strings: whitespace between tokens stays, escapes already there are kept', () => {
		expect(escapeControlsInJsonStrings('[\n\t{"a":"x\x1by","b":"\\"\x01"}\n]')).toBe(
			'[\n\t{"a":"x\\u001by","b":"\\"\\u0001"}\n]',
		);
		expect(escapeControlsInJsonStrings('{"a":"plain"}')).toBe('{"a":"plain"}');
		// A raw newline inside a string (an older iproute2) splits the line but not the document.
		expect(splitJsonDocuments('[{"ifname":"a\nb"}]\n[]\n')).toEqual([[{ifname: 'a\nb'}], []]);
	});
});

describe("nmcli's terse device show", () => {
	it('reads each device’s DNS servers and search domains, with escaped colons', async () => {
		const {parseNmDns} = await import('../source/core/parse-nmcli.js');
		const text = [
			'GENERAL.DEVICE:eth0',
			'IP4.DNS[1]:192.0.2.53',
			'IP4.DNS[2]:192.0.2.54',
			'IP4.DOMAIN[1]:lab.example',
			'IP6.DNS[1]:2001\\:db8\\:1\\:\\:53',
			'',
			'GENERAL.DEVICE:lo',
			'',
			'GENERAL.DEVICE:wlan0',
			'IP4.DOMAIN[1]:lab.example',
		].join('\n');
		expect(parseNmDns(text)).toEqual({
			eth0: {servers: ['192.0.2.53', '192.0.2.54', '2001:db8:1::53'], search: ['lab.example']},
			lo: {servers: [], search: []},
			wlan0: {servers: [], search: ['lab.example']},
		});
	});
});
