// The remote-host benchmark (`npm run bench:remote`, as root): what an inventory of a host reached over ssh costs
// beyond the same inventory run on that host itself, in round trips. A "remote" namespace runs a real libvirtd and
// sshd; a "laptop" namespace runs kvmnet through a TCP relay that holds every chunk 25 ms each way (50 ms round
// trip: this kernel has no netem, so the delay is added in user space, on the ssh connection only). Prints, as
// medians of BENCH_RUNS runs (default 5): the inventory on the remote itself, over ssh without and with the delay,
// the extra round trips (delayed minus undelayed, over 50 ms), and the ssh channels the scan opened.
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const oneWayMs = 25;
if (process.getuid?.() !== 0) {
	console.error('bench: run as root (it builds network namespaces)');
	process.exit(2);
}
execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], {stdio: 'inherit'});

const remote = `kvmt-benchremote-${process.pid}`;
const laptop = `kvmt-benchlaptop-${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'kvmnet-bench-remote-'));
const children = [];
const sh = (argv, options = {}) => execFileSync(argv[0], argv.slice(1), {encoding: 'utf8', ...options});
const cleanup = () => {
	for (const child of children) child.kill('SIGKILL');
	spawnSync('bash', [join(root, 'test/harness/libvirtd-ns.sh'), 'down', remote]);
	spawnSync('ip', ['netns', 'del', laptop]);
	rmSync(work, {recursive: true, force: true});
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length % 2
		? sorted[(sorted.length - 1) / 2]
		: (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};

// The remote: libvirtd (a few networks), 20 links beyond the uplink, and sshd with root's ~/.bashrc emptied.
const uri = sh(['bash', join(root, 'test/harness/libvirtd-ns.sh'), 'up', remote])
	.trim()
	.split('\n')
	.pop();
const socket = uri.split('socket=')[1];
sh(['ip', 'netns', 'add', laptop]);
sh(['ip', '-n', laptop, 'link', 'set', 'lo', 'up']);
sh(['ip', 'link', 'add', 'lap0', 'netns', laptop, 'type', 'veth', 'peer', 'name', 'uplink0', 'netns', remote]);
sh(['ip', '-n', laptop, '-batch', '-'], {input: 'link set lap0 up\naddr add 10.88.0.50/24 dev lap0\n'});
const links = Array.from({length: 10}, (_, i) => `link add bv${i} type veth peer name bw${i}\n`).join('');
sh(['ip', '-n', remote, '-batch', '-'], {
	input: `link set uplink0 up\naddr add 10.88.0.2/24 dev uplink0\n${links}`,
});
for (let i = 0; i < 5; i++) {
	const xml = join(work, `net${i}.xml`);
	writeFileSync(
		xml,
		`<network><name>bench${i}</name><bridge name='virbr-b${i}'/><ip address='192.168.${190 + i}.1' netmask='255.255.255.0'/></network>`,
	);
	sh(['virsh', '-q', '-c', uri, `net-define ${xml}; net-start bench${i}`]);
}
for (const name of ['host_key', 'client_key'])
	sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(work, name)]);
writeFileSync(join(work, 'authorized_keys'), readFileSync(join(work, 'client_key.pub')));
writeFileSync(join(work, 'empty'), '');
writeFileSync(
	join(work, 'sshd_config'),
	`Port 2222\nListenAddress 10.88.0.2\nHostKey ${join(work, 'host_key')}\nPidFile ${join(work, 'sshd.pid')}\nAuthorizedKeysFile ${join(work, 'authorized_keys')}\nPermitRootLogin yes\nStrictModes no\nUsePAM no\nMaxSessions 50\nMaxStartups 50\n`,
);
sh(['mkdir', '-p', '/run/sshd']);
children.push(
	spawn(
		'ip',
		[
			...['netns', 'exec', remote, 'unshare', '--uts', '--mount', '--propagation', 'private', 'sh', '-c'],
			'hostname kvmnet-bench-remote && { [ ! -e /root/.bashrc ] || mount --bind "$2" /root/.bashrc; } && exec /usr/sbin/sshd -D -e -f "$1"',
			'sh',
			join(work, 'sshd_config'),
			join(work, 'empty'),
		],
		{stdio: 'ignore'},
	),
);
// The relay, in the laptop's namespace: 127.0.0.1:2223 to the remote's sshd, each chunk held oneWayMs each way.
// No Nagle on its sockets (as ssh on its own): held chunks are sent as they come, not waiting for an ACK.
const relay = `require('net').createServer((a) => { const b = require('net').connect(2222, '10.88.0.2');
  a.setNoDelay(true); b.setNoDelay(true);
  const hold = (from, to) => from.on('data', (d) => setTimeout(() => to.write(d), ${oneWayMs}));
  hold(a, b); hold(b, a); a.on('close', () => b.destroy()); b.on('close', () => a.destroy());
  a.on('error', () => {}); b.on('error', () => {}); }).listen(2223, '127.0.0.1',
  () => require('fs').writeFileSync(${JSON.stringify(join(work, 'relay.ready'))}, ''));`;
children.push(spawn('ip', ['netns', 'exec', laptop, process.execPath, '-e', relay], {stdio: 'inherit'}));
// Both are ready when their files appear.
for (const file of ['relay.ready', 'sshd.pid']) {
	for (let i = 0; i < 200 && spawnSync('test', ['-e', join(work, file)]).status !== 0; i++)
		await new Promise((resolve) => setTimeout(resolve, 50));
	if (spawnSync('test', ['-e', join(work, file)]).status !== 0) throw new Error(`bench: ${file} did not appear`);
}

const params = `socket=${socket}&keyfile=${join(work, 'client_key')}&no_verify=1`;
const direct = `qemu+ssh://root@10.88.0.2:2222/system?${params}`;
const delayed = `qemu+ssh://root@127.0.0.1:2223/system?${params}`;
const inventory = (namespace, connect) => {
	const started = performance.now();
	const result = spawnSync(
		'ip',
		['netns', 'exec', namespace, process.execPath, cli, 'inventory', '--json', '-c', connect],
		{
			encoding: 'utf8',
			maxBuffer: 1 << 26,
			env: {...process.env, KVMNET_STATE_DIR: join(work, 'state')},
		},
	);
	const ms = performance.now() - started;
	// Exit 1 says the scan met problems (here: Open vSwitch installed but not running); the JSON is complete.
	if (result.status !== 0 && result.status !== 1) throw new Error(`inventory -c ${connect} failed: ${result.stderr}`);
	const model = JSON.parse(result.stdout);
	if (model.header.hostname !== 'kvmnet-bench-remote' && connect !== uri) throw new Error('not the remote host');
	return {ms, channels: model.scan.commands.length, nics: model.nics.length};
};
// The connection alone: one ssh that runs `true`, as kvmnet opens it (the same options), with and without delay.
const sshTrue = (port, host) => {
	const started = performance.now();
	const result = spawnSync(
		'ip',
		[
			...['netns', 'exec', laptop, 'ssh', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no'],
			...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-i', join(work, 'client_key')],
			...['-p', String(port), '-l', 'root', '--', host, 'true'],
		],
		{encoding: 'utf8'},
	);
	if (result.status !== 0) throw new Error(`ssh true failed: ${result.stderr}`);
	return performance.now() - started;
};
// The five measures taken in turn, run after run, so that whatever else the machine does at a moment weighs on all
// of them alike (taken one after the other, a busy minute moved one of them by a second).
for (const connect of [uri, direct, delayed]) inventory(connect === uri ? remote : laptop, connect); // warm
const samples = Array.from({length: runs}, () => ({
	onHost: inventory(remote, uri),
	overSsh: inventory(laptop, direct),
	overSshDelayed: inventory(laptop, delayed),
	sshDirect: sshTrue(2222, '10.88.0.2'),
	sshDelayed: sshTrue(2223, '127.0.0.1'),
}));
const medianOf = (pick) => median(samples.map(pick));
const onHost = {ms: medianOf((s) => s.onHost.ms)};
const overSsh = {...samples[0].overSsh, ms: medianOf((s) => s.overSsh.ms)};
const overSshDelayed = {ms: medianOf((s) => s.overSshDelayed.ms)};
const connection = {direct: medianOf((s) => s.sshDirect), delayed: medianOf((s) => s.sshDelayed)};
const rtt = 2 * oneWayMs;
const extraTrips = (overSshDelayed.ms - overSsh.ms) / rtt;
const connectionTrips = (connection.delayed - connection.direct) / rtt;
const lines = [
	`remote-host inventory, medians of ${runs} (${overSsh.nics} links, 5 networks; round trip added: ${rtt} ms)`,
	`  on the host itself (qemu:///system):        ${Math.round(onHost.ms)} ms`,
	`  from the laptop over ssh, no delay:          ${Math.round(overSsh.ms)} ms  (${overSsh.channels} commands over one connection)`,
	`  from the laptop over ssh, ${rtt} ms round trip: ${Math.round(overSshDelayed.ms)} ms`,
	`  round trips the delay costs:                 ${extraTrips.toFixed(1)} (the connection's own setup included)`,
	`  of which ssh's own connection (ssh host true): ${connectionTrips.toFixed(1)}; the scan's: ${(extraTrips - connectionTrips).toFixed(1)}`,
];
console.log(lines.join('\n'));
writeFileSync(join(root, 'bench/results/remote.md'), `${lines.join('\n')}\n`);
// The relay and sshd would keep the process alive: exit, which cleans up.
process.exit(0);
