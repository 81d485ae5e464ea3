// Which host a libvirt URI names, and how kvmnet reaches that host's shell: the machine it runs on, over ssh (the
// URI's own user, host, port and keyfile/known_hosts/no_verify, as libvirt's ssh transport uses them), or not at all
// (tls, tcp: libvirt is reachable but no shell is, so no host fact is read and no host command is run). Pure.
//
// libvirt's URI grammar: driver[+transport]://[user@][host][:port]/[path][?params]
// (https://libvirt.org/uri.html). With no transport and a host name, the transport is tls.

export interface SshTarget {
	user?: string;
	host: string;
	port?: number;
	/** `keyfile=`: ssh -i. */
	keyfile?: string;
	/** `known_hosts=`: the known-hosts file to check the host key against. */
	knownHosts?: string;
	/** `no_verify=1`: the host key is not checked (libvirt's ssh transport: StrictHostKeyChecking=no). */
	noVerify: boolean;
}

export type Connection =
	| {kind: 'local'; uri: string}
	| {
			kind: 'ssh';
			uri: string;
			/** The URI as the host itself reaches its libvirt (virsh runs there, over kvmnet's own connection). */
			hostUri: string;
			ssh: SshTarget;
			/** "root@kvm2" (and ":2222" when the port is not 22). */
			label: string;
	  }
	| {kind: 'no-shell'; uri: string; transport: string; host: string};

export type SshConnection = Extract<Connection, {kind: 'ssh'}>;

/** Parameters that say how to reach the host; they mean nothing to the host's own libvirt. */
const transportParams = new Set([
	'command',
	'keyfile',
	'known_hosts',
	'known_hosts_verify',
	'no_verify',
	'no_tty',
	'netcat',
	'proxy',
	'mode',
	'sshauth',
	'pkipath',
	'tls_priority',
	'name',
]);
const sshTransports = new Set(['ssh', 'libssh', 'libssh2']);

export class ConnectionError extends Error {}

const decodeKey = (pair: string) => {
	const key = pair.split('=')[0] ?? '';
	try {
		return decodeURIComponent(key);
	} catch {
		return key;
	}
};

/** What the URI says of the host; throws ConnectionError for a URI kvmnet cannot follow (named, with the rule). */
export function parseConnection(uri: string): Connection {
	const match = /^([a-z][\w-]*)(?:\+([a-z][\w-]*))?:\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(uri);
	if (!match) {
		// "qemu:/system" and other forms libvirt accepts without an authority name a local driver.
		if (/^[a-z][\w+-]*:/i.test(uri) && !/\/\/[^/]/.test(uri)) return {kind: 'local', uri};
		throw new ConnectionError(
			`connect: ${JSON.stringify(uri)} is not a libvirt URI (driver[+transport]://[user@][host][:port]/path)`,
		);
	}
	const [, driver, transport = '', authority = '', path = '/', query = ''] = match;
	const at = authority.lastIndexOf('@');
	const user = at >= 0 ? decodeURIComponent(authority.slice(0, at)) : undefined;
	const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
	const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
	const plain = /^([^:]*)(?::(\d+))?$/.exec(hostPort);
	const host = bracketed?.[1] ?? plain?.[1] ?? '';
	const portText = bracketed?.[2] ?? plain?.[2];
	if (!bracketed && !plain)
		throw new ConnectionError(
			`connect: ${JSON.stringify(uri)}: the host part ${JSON.stringify(hostPort)} is not host[:port]`,
		);
	const local = host === '' || host === 'localhost' ? transport === '' || transport === 'unix' : false;
	if (transport === 'unix' || (host === '' && (transport === '' || transport === 'unix'))) return {kind: 'local', uri};
	if (local) return {kind: 'local', uri};
	const params = new URLSearchParams(query);
	if (!sshTransports.has(transport)) {
		if (transport === 'ext')
			throw new ConnectionError(
				`connect: ${JSON.stringify(uri)}: the ext transport runs a program of the URI's choosing; kvmnet does not follow it`,
			);
		return {kind: 'no-shell', uri, transport: transport || 'tls', host};
	}
	if (user !== undefined && (!/^[\w.-]+$/.test(user) || user.startsWith('-')))
		throw new ConnectionError(`connect: the user ${JSON.stringify(user)} is not a user name (letters, digits, . _ -)`);
	if (!/^[\w.:-]+$/.test(host) || host.startsWith('-'))
		throw new ConnectionError(`connect: the host ${JSON.stringify(host)} is not a host name or address`);
	const port = portText === undefined ? undefined : Number(portText);
	if (port !== undefined && !(port >= 1 && port <= 65535))
		throw new ConnectionError(`connect: the port ${portText} is not from 1 to 65535`);
	const ssh: SshTarget = {host, noVerify: (params.get('no_verify') ?? '0') !== '0'};
	if (user !== undefined) ssh.user = user;
	if (port !== undefined) ssh.port = port;
	for (const key of ['keyfile', 'known_hosts'] as const) {
		const value = params.get(key);
		if (value?.startsWith('-') || (value !== null && /[\0\n]/.test(value)))
			throw new ConnectionError(`connect: ${key}=${JSON.stringify(value)} is not a file path`);
	}
	const keyfile = params.get('keyfile');
	if (keyfile) ssh.keyfile = keyfile;
	const knownHosts = params.get('known_hosts');
	if (knownHosts) ssh.knownHosts = knownHosts;
	// The host's own URI: `name=` when given (libvirt passes it to the far side as is), else the same driver and
	// path with the parameters that concern the host (socket=…) kept.
	// Kept as written: libvirt reads %20 as a space but `+` as a plus, so the parameters are not encoded again.
	const kept = query.split('&').filter((pair) => pair !== '' && !transportParams.has(decodeKey(pair)));
	const hostQuery = kept.length > 0 ? `?${kept.join('&')}` : '';
	const hostUri = params.get('name') ?? `${driver}://${path}${hostQuery}`;
	const label = `${user ? `${user}@` : ''}${host}${port !== undefined && port !== 22 ? `:${port}` : ''}`;
	return {kind: 'ssh', uri, hostUri, ssh, label};
}

/**
 * Whether two URIs name the same libvirt on the same host. Over ssh: the same user, host and port, and the same
 * URI on the host (the ways to reach it, keyfile=, known_hosts=, no_verify=, belong to the machine connecting and
 * may differ from one to the next); otherwise the same text.
 */
export function sameHost(a: string, b: string): boolean {
	if (a === b) return true;
	try {
		const [x, y] = [parseConnection(a), parseConnection(b)];
		return (
			x.kind === 'ssh' &&
			y.kind === 'ssh' &&
			x.hostUri === y.hostUri &&
			x.ssh.host === y.ssh.host &&
			(x.ssh.port ?? 22) === (y.ssh.port ?? 22) &&
			x.ssh.user === y.ssh.user
		);
	} catch {
		return false;
	}
}

/** The URI virsh is given in commands run on the host (the host's own for ssh; the URI itself otherwise). */
export const virshUriOf = (connection: Connection) => (connection.kind === 'ssh' ? connection.hostUri : connection.uri);

/** Whether the URI names a host other than this machine (a URI kvmnet cannot follow counts as remote). */
export function isRemoteUri(uri: string): boolean {
	try {
		return parseConnection(uri).kind !== 'local';
	} catch {
		return true;
	}
}

/** The same, from the URI: for the virsh steps of plans and fixes (a URI kvmnet cannot follow is left as it is). */
export function virshUriFor(uri: string): string {
	try {
		return virshUriOf(parseConnection(uri));
	} catch {
		return uri;
	}
}

/**
 * One argument for a POSIX shell, in single quotes. Only for ssh: the far side's sshd hands the command to the
 * user's shell as one string, so each argv word is quoted there; nothing is ever run through a shell here.
 */
export const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
