// The facts the doctor needs beyond the inventory: sysctls, the firewall, who listens on the DNS/DHCP ports, the
// devices VMs need, vfio, the files that recreate SR-IOV VFs, and which interfaces hold routes from router
// advertisements. Mostly file reads; at most two processes (iptables -S, nft list tables), each only when installed.
import {forwardDrops} from '../core/parse-nft.js';
import {release} from 'node:os';
import {join} from 'node:path';
import {sysctlKeys, type DoctorFacts, type Listener} from '../core/doctor/index.js';
import {parseIpv6RouteTable, parseProcNet} from '../core/parse-proc.js';
import type {HostFiles} from './files.js';
import {describeFailure, type Runner} from './runner.js';

export interface DoctorScanOptions {
	/** Root of the file system for /proc, /sys, /dev and /etc (tests point it at a fixture tree). */
	root?: string;
	env?: NodeJS.ProcessEnv;
}

/**
 * Which process owns each socket inode (needs root for other users' processes). Every read of one kind is asked at
 * once (all fd lists, then all fd links, then the owners' names), so a remote host answers in three batches.
 */
async function socketOwners(
	files: HostFiles,
	root: string,
	inodes: Set<string>,
	runner?: Runner,
): Promise<Map<string, {pid: number; program: string; cmdline: string}>> {
	const owners = new Map<string, {pid: number; program: string; cmdline: string}>();
	const links = runner ? await remoteSocketLinks(runner) : await socketLinks(files, root);
	const found = new Map<string, string>();
	for (const {pid, target} of links) {
		const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
		if (inode && inodes.has(inode) && !found.has(inode)) found.set(inode, pid);
	}
	await Promise.all(
		[...found].map(async ([inode, pid]) => {
			const [program, cmdline] = await Promise.all([
				files.read(join(root, 'proc', pid, 'comm')),
				files.read(join(root, 'proc', pid, 'cmdline')),
			]);
			owners.set(inode, {
				pid: Number(pid),
				program: program?.trim() ?? '?',
				cmdline: (cmdline ?? '').replace(/\0/g, ' '),
			});
		}),
	);
	return owners;
}

/** Every open fd's link target, process by process, read as files. */
async function socketLinks(files: HostFiles, root: string): Promise<{pid: string; target: string}[]> {
	const pids = ((await files.list(join(root, 'proc'))) ?? []).filter((entry) => /^\d+$/.test(entry));
	const fdLists = await Promise.all(pids.map((pid) => files.list(join(root, 'proc', pid, 'fd'))));
	return Promise.all(
		pids.flatMap((pid, i) =>
			(fdLists[i] ?? []).map(async (fd) => ({
				pid,
				target: (await files.readlink(join(root, 'proc', pid, 'fd', fd))) ?? '',
			})),
		),
	);
}

/**
 * The same on a remote host, from one find(1) there: reading thousands of fd links one by one through the batch
 * script costs a process each on the far side (seconds), find reads them all in one.
 */
async function remoteSocketLinks(runner: Runner): Promise<{pid: string; target: string}[]> {
	const result = await runner.run(
		[
			'find',
			'/proc',
			'-mindepth',
			'3',
			'-maxdepth',
			'3',
			'-path',
			'/proc/[0-9]*/fd/*',
			'-lname',
			'socket:*',
			'-printf',
			'%p %l\\n',
		],
		{atMostMs: 10_000},
	);
	return result.stdout.split('\n').flatMap((line) => {
		const match = /^\/proc\/(\d+)\/fd\/\d+ (socket:\[\d+\])$/.exec(line);
		return match ? [{pid: match[1]!, target: match[2]!}] : [];
	});
}

async function listeners(files: HostFiles, root: string, runner?: Runner): Promise<Listener[]> {
	const tables = await Promise.all(
		(['udp', 'udp6', 'tcp', 'tcp6'] as const).map(async (file) =>
			parseProcNet((await files.read(join(root, 'proc/net', file))) ?? '', file.startsWith('udp') ? 'udp' : 'tcp'),
		),
	);
	const sockets = tables.flat();
	if (sockets.length === 0) return [];
	const owners = await socketOwners(files, root, new Set(sockets.map((s) => s.inode)), runner);
	return sockets.map(({inode, ...socket}) => {
		const owner = owners.get(inode);
		return owner
			? {
					...socket,
					program: owner.program,
					pid: owner.pid,
					libvirtDnsmasq: owner.program === 'dnsmasq' && /\/libvirt\//.test(owner.cmdline),
				}
			: socket;
	});
}

async function runningPrograms(files: HostFiles, root: string): Promise<Set<string>> {
	const pids = ((await files.list(join(root, 'proc'))) ?? []).filter((entry) => /^\d+$/.test(entry));
	const names = await Promise.all(pids.map((pid) => files.read(join(root, 'proc', pid, 'comm'))));
	return new Set(names.filter((n): n is string => Boolean(n)).map((n) => n.trim()));
}

const vfLine = /sriov_numvfs|virtual-function-count|sriov\.total-vfs|total-vfs=/;

async function vfPersistence(files: HostFiles, root: string): Promise<DoctorFacts['vfPersistence']> {
	const places: [string, RegExp][] = [
		['etc/udev/rules.d', /\.rules$/],
		['etc/netplan', /\.yaml$/],
		['etc/systemd/system', /\.service$/],
		['etc/NetworkManager/system-connections', /./],
	];
	const candidates = (
		await Promise.all(
			places.map(async ([dir, pattern]) =>
				((await files.list(join(root, dir))) ?? []).filter((f) => pattern.test(f)).map((f) => `/${dir}/${f}`),
			),
		)
	).flat();
	candidates.push('/etc/rc.local');
	const texts = await Promise.all(candidates.map((file) => files.read(join(root, file))));
	return candidates.flatMap((file, i) => {
		const lines = (texts[i] ?? '').split('\n').filter((line) => vfLine.test(line) && !line.trim().startsWith('#'));
		return lines.length > 0 ? [{file, lines}] : [];
	});
}

async function raInterfaces(files: HostFiles, root: string): Promise<DoctorFacts['raInterfaces']> {
	const names = parseIpv6RouteTable((await files.read(join(root, 'proc/net/ipv6_route'))) ?? '');
	return Promise.all(
		names.map(async (name) => {
			const acceptRa = (await files.read(join(root, 'proc/sys/net/ipv6/conf', name, 'accept_ra')))?.trim();
			return acceptRa === undefined ? {interface: name} : {interface: name, acceptRa};
		}),
	);
}

async function vfioAvailable(files: HostFiles, root: string, kernel: string): Promise<boolean> {
	if (
		(await files.exists(join(root, 'sys/bus/pci/drivers/vfio-pci'))) ||
		(await files.exists(join(root, 'sys/module/vfio_pci')))
	)
		return true;
	const modules = join(root, 'lib/modules', kernel);
	const [dep, builtin] = await Promise.all([
		files.read(join(modules, 'modules.dep')),
		files.read(join(modules, 'modules.builtin')),
	]);
	return /\/vfio-pci\.ko/.test(dep ?? '') || /\/vfio-pci\.ko/.test(builtin ?? '');
}

export async function scanDoctorFacts(runner: Runner, options: DoctorScanOptions = {}): Promise<DoctorFacts> {
	const root = options.root ?? '/';
	const env = options.env ?? process.env;
	const files = runner.files;
	// The host's kernel: this machine's, or the remote's as its session said.
	const session = await runner.session();
	const kernel = runner.remote ? ('kernel' in session && session.kernel) || '' : release();
	const [sysctl, iptables, nftTables, networkConf, ufwConf, programs, found, devices, vfio, persistence, advertised] =
		await Promise.all([
			Promise.all(
				sysctlKeys.map(
					async (key) => [key, (await files.read(join(root, 'proc/sys', key.replace(/\./g, '/'))))?.trim()] as const,
				),
			).then((pairs) => Object.fromEntries(pairs)),
			(async (): Promise<DoctorFacts['iptables']> => {
				const rulesQuery = runner.ahead(['iptables', '-w', '5', '-S'], {atMostMs: 10_000});
				if (!(await runner.hasProgram('iptables', env))) return {error: 'iptables is not installed'};
				const result = await rulesQuery();
				return result.ok ? {rules: result.stdout.split('\n').filter(Boolean)} : {error: describeFailure(result)};
			})(),
			(async () => {
				const tablesQuery = runner.ahead(['nft', 'list', 'tables'], {atMostMs: 10_000});
				const chainsQuery = runner.ahead(['nft', '-j', 'list', 'ruleset'], {atMostMs: 10_000});
				if (!(await runner.hasProgram('nft', env))) return undefined;
				const [tables, chains] = await Promise.all([tablesQuery(), chainsQuery()]);
				return {
					tables: tables.ok ? tables.stdout.split('\n').filter(Boolean) : undefined,
					forwardDrops: chains.ok ? forwardDrops(chains.stdout) : undefined,
				};
			})(),
			files.read(join(root, 'etc/libvirt/network.conf')),
			files.read(join(root, 'etc/ufw/ufw.conf')),
			runningPrograms(files, root),
			listeners(files, root, runner.remote ? runner : undefined),
			Promise.all(['dev/kvm', 'dev/net/tun', 'dev/vhost-net'].map((path) => files.exists(join(root, path)))),
			vfioAvailable(files, root, kernel),
			vfPersistence(files, root),
			raInterfaces(files, root),
		]);
	const backend = /^\s*firewall_backend\s*=\s*"([^"]+)"/m.exec(networkConf ?? '')?.[1];
	const rules = 'rules' in iptables ? iptables.rules : [];
	return {
		sysctl,
		iptables,
		...(nftTables?.tables ? {nftTables: nftTables.tables} : {}),
		...(nftTables?.forwardDrops ? {nftForwardDrops: nftTables.forwardDrops} : {}),
		...(backend ? {libvirtFirewallBackend: backend} : {}),
		firewalld: programs.has('firewalld'),
		ufw: /^\s*ENABLED\s*=\s*yes/m.test(ufwConf ?? ''),
		docker: programs.has('dockerd') || rules.includes('-N DOCKER'),
		listeners: found,
		devices: {kvm: devices[0]!, tun: devices[1]!, vhostNet: devices[2]!},
		vfio,
		vfPersistence: persistence,
		raInterfaces: advertised,
	};
}
