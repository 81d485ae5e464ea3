// Which host a libvirt URI names and how kvmnet reaches it: the local machine, ssh with the URI's own options, or
// no shell at all (tls, tcp). A URI that would make ssh run something else is refused by name.
import {describe, expect, it} from 'vitest';
import {ConnectionError, parseConnection, sameHost, shellQuote, virshUriOf} from '../source/core/connection.js';
import {describeSshFailure} from '../source/host/runner.js';
import {sshOptions} from '../source/host/transport.js';

describe('parseConnection', () => {
	it.each([
		'qemu:///system',
		'qemu:///session',
		'test:///default',
		'qemu+unix:///system?socket=/run/x',
		'qemu://localhost/system?socket=/a',
	])('%s is this machine', (uri) => expect(parseConnection(uri)).toEqual({kind: 'local', uri}));

	it('ssh: user, host, port and the transport parameters; the host’s own URI keeps socket= and drops the rest', () => {
		const c = parseConnection(
			'qemu+ssh://root@10.1.0.2:2222/system?socket=/tmp/x/run/libvirt-sock&keyfile=/k&no_verify=1',
		);
		expect(c).toEqual({
			kind: 'ssh',
			uri: 'qemu+ssh://root@10.1.0.2:2222/system?socket=/tmp/x/run/libvirt-sock&keyfile=/k&no_verify=1',
			hostUri: 'qemu:///system?socket=/tmp/x/run/libvirt-sock',
			ssh: {user: 'root', host: '10.1.0.2', port: 2222, keyfile: '/k', noVerify: true},
			label: 'root@10.1.0.2:2222',
		});
		expect(virshUriOf(c)).toBe('qemu:///system?socket=/tmp/x/run/libvirt-sock');
		// As written: libvirt reads %20 as a space, and would read a `+` as a plus.
		expect(parseConnection('qemu+ssh://h/system?socket=/a%20b/sock&no_verify=1')).toMatchObject({
			hostUri: 'qemu:///system?socket=/a%20b/sock',
		});
	});

	it('libssh and libssh2 are ssh too; known_hosts is kept; name= is the host’s own URI', () => {
		expect(parseConnection('qemu+libssh2://u@kvm2/session?known_hosts=/kh')).toMatchObject({
			kind: 'ssh',
			hostUri: 'qemu:///session',
			ssh: {user: 'u', host: 'kvm2', knownHosts: '/kh', noVerify: false},
			label: 'u@kvm2',
		});
		expect(parseConnection('qemu+ssh://kvm2/system?name=qemu:///system')).toMatchObject({hostUri: 'qemu:///system'});
		expect(parseConnection('qemu+ssh://[fe80::1]:22/system')).toMatchObject({
			ssh: {host: 'fe80::1', port: 22},
			label: 'fe80::1',
		});
	});

	it('tls (no transport) and tcp reach libvirt but no shell', () => {
		expect(parseConnection('qemu://kvm2/system')).toEqual({
			kind: 'no-shell',
			uri: 'qemu://kvm2/system',
			transport: 'tls',
			host: 'kvm2',
		});
		expect(parseConnection('qemu+tcp://kvm2/system')).toMatchObject({kind: 'no-shell', transport: 'tcp'});
	});

	it.each([
		['qemu+ssh://-oProxyCommand=x/system', /host "-oProxyCommand=x" is not a host name/],
		['qemu+ssh://a;b@kvm2/system', /user "a;b" is not a user name/],
		['qemu+ssh://-lroot@kvm2/system', /user "-lroot" is not a user name/],
		['qemu+ssh://kvm2/system?keyfile=-oProxyCommand=x', /keyfile="-oProxyCommand=x" is not a file path/],
		['qemu+ssh://kvm2:99999/system', /port 99999 is not from 1 to 65535/],
		['qemu+ext:///system?command=/bin/x', /ext transport/],
		['not a uri', /is not a libvirt URI/],
	])('refuses %s, naming the part and the rule', (uri, message) => {
		expect(() => parseConnection(uri)).toThrow(ConnectionError);
		expect(() => parseConnection(uri)).toThrow(message);
	});

	it('sameHost: a plan made with another key or known_hosts is for the same host; another host, user, port or socket is not', () => {
		const base = 'qemu+ssh://root@kvm2:2222/system?socket=/run/s&keyfile=/home/a/.ssh/id&known_hosts=/home/a/kh';
		expect(sameHost(base, 'qemu+ssh://root@kvm2:2222/system?socket=/run/s&keyfile=/root/other&no_verify=1')).toBe(true);
		expect(sameHost(base, 'qemu+ssh://root@kvm3:2222/system?socket=/run/s')).toBe(false);
		expect(sameHost(base, 'qemu+ssh://admin@kvm2:2222/system?socket=/run/s')).toBe(false);
		expect(sameHost(base, 'qemu+ssh://root@kvm2/system?socket=/run/s')).toBe(false);
		expect(sameHost(base, 'qemu+ssh://root@kvm2:2222/system?socket=/run/other')).toBe(false);
		expect(sameHost(base, 'qemu+ssh://root@kvm2:2222/session?socket=/run/s')).toBe(false);
		expect(sameHost('qemu:///system', 'qemu:///system')).toBe(true);
		expect(sameHost('qemu:///system', 'qemu:///session')).toBe(false);
		expect(sameHost('qemu+ssh://-x/system', 'qemu+ssh://-x/system?keyfile=k')).toBe(false);
	});

	it('shellQuote survives quotes and shell syntax', () => {
		expect(shellQuote(`a'b; rm -rf / $(x)`)).toBe(`'a'\\''b; rm -rf / $(x)'`);
	});
});

describe('sshOptions', () => {
	const optionsOf = (uri: string) => {
		const connection = parseConnection(uri);
		if (connection.kind !== 'ssh') throw new Error('not ssh');
		return sshOptions(connection.ssh, '/tmp/control').join(' ');
	};

	it('no_verify=1 skips the host key check and, without known_hosts=, keeps no key in ~/.ssh/known_hosts', () => {
		expect(optionsOf('qemu+ssh://root@kvm2/system?no_verify=1')).toContain(
			'StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
		);
		expect(optionsOf('qemu+ssh://root@kvm2/system?no_verify=1&known_hosts=/k')).toContain('UserKnownHostsFile=/k');
		expect(optionsOf('qemu+ssh://root@kvm2/system?no_verify=1&known_hosts=/k')).not.toContain('/dev/null');
		expect(optionsOf('qemu+ssh://root@kvm2/system')).not.toMatch(/StrictHostKeyChecking|UserKnownHostsFile/);
	});
});

describe('describeSshFailure', () => {
	it('says what ssh said, in words, and a connection that ended without a word as lost', () => {
		const where = 'ssh root@kvm2';
		expect(describeSshFailure('', where)).toBe(
			'ssh root@kvm2: the connection ended with no word from ssh (lost, or closed by the host)',
		);
		expect(describeSshFailure('Connection to kvm2 closed by remote host.\n', where)).toMatch(
			/^ssh root@kvm2: the connection was lost: /,
		);
		expect(describeSshFailure('root@kvm2: Permission denied (publickey).\n', where)).toMatch(/authentication refused/);
	});
});
