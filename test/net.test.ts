// IPv6 prefix arithmetic and the gateway the apply screen pings: small pure functions, checked on the cases that
// decide what the wizard refuses and what the countdown shows.
import {describe, expect, it} from 'vitest';
import type {Route} from '../source/core/model.js';
import {formatCidr6, isLinkLocal6, overlaps6, parseCidr6, pingableGateway} from '../source/core/net.js';

const cidr = (text: string) => {
	const parsed = parseCidr6(text);
	if (!parsed) throw new Error(`not IPv6: ${text}`);
	return parsed;
};

describe('IPv6 prefixes', () => {
	it('parses address/prefix and bare addresses, and refuses what is not IPv6', () => {
		expect(parseCidr6('fd00:18::2/64')).toEqual({network: [0xfd00, 0x18, 0, 0, 0, 0, 0, 2], prefix: 64});
		expect(parseCidr6('::1')).toEqual({network: [0, 0, 0, 0, 0, 0, 0, 1], prefix: 128});
		for (const bad of ['10.0.0.0/8', 'fd00::/129', 'fd00::/64/1', 'fd00::/x', 'default'])
			expect(parseCidr6(bad)).toBeUndefined();
	});

	it('overlap reads only the shorter prefix, both ways', () => {
		expect(overlaps6(cidr('2001:db8:30::1/48'), cidr('2001:db8:30:5::/64'))).toBe(true);
		expect(overlaps6(cidr('2001:db8:30:5::/64'), cidr('2001:db8:30::1/48'))).toBe(true);
		expect(overlaps6(cidr('fd00:88:0:0:8000::1/65'), cidr('fd00:88::/64'))).toBe(true);
		expect(overlaps6(cidr('fd00:88:0:0:8000::1/65'), cidr('fd00:88::/65'))).toBe(false);
		expect(overlaps6(cidr('fd00:98::1/64'), cidr('fd00:99::/64'))).toBe(false);
	});

	it('formats the network, host bits cleared', () => {
		expect(formatCidr6(cidr('2001:db8:30::1/64'))).toBe('2001:db8:30::/64');
		expect(formatCidr6(cidr('fd00:88:0:0:ffff::1/65'))).toBe('fd00:88:0:0:8000::/65');
	});

	it('link-local is fe80::/10 and what lies inside it, not a wider prefix around it', () => {
		expect(isLinkLocal6(cidr('fe80::1/64'))).toBe(true);
		expect(isLinkLocal6(cidr('febf::1/128'))).toBe(true);
		expect(isLinkLocal6(cidr('fec0::1/64'))).toBe(false);
		expect(isLinkLocal6(cidr('fe00::/8'))).toBe(false);
	});
});

describe('the gateway pinged while a change waits for confirmation', () => {
	const route = (destination: string, gateway?: string): Route => ({
		destination,
		dev: 'eth0',
		...(gateway ? {gateway} : {}),
	});

	it('is the IPv4 default gateway, else a global IPv6 one, never a link-local one', () => {
		expect(pingableGateway([route('default', 'fe80::1'), route('default', '192.0.2.1')])).toBe('192.0.2.1');
		expect(pingableGateway([route('default', 'fe80::1'), route('default', '2001:db8::1')])).toBe('2001:db8::1');
		expect(pingableGateway([route('default', 'fe80::1'), route('192.0.2.0/24')])).toBeUndefined();
		expect(pingableGateway([route('10.0.0.0/8', '192.0.2.1')])).toBeUndefined();
	});
});
