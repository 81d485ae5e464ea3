// kvmnet's benchmark (`npm run bench`, as root): builds large hosts in network namespaces and libvirt test-driver
// files, and measures, side by side in one run:
//   1. `kvmnet inventory --json` wall time and peak memory, against the raw tools one process per object
//      (bench/baseline.sh) and against the floor: node -e 0 + one `ip -j -d addr` + one `bridge -j link` + one virsh
//      process answering every query over stdin;
//   2. the time from start to the first TUI frame that shows the inventory;
//   3. the longest event-loop stall during the scan and during a refresh;
//   4. the time from a keypress to the next frame on a list of 3,000 rows.
// Medians over BENCH_RUNS runs (default 5); BENCH_SIZES picks sizes of N. Prints a table and writes bench/results/latest.{md,json}.
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {cpus, totalmem} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli.js');
const work = '/tmp/kvmnet-bench';
const runs = Number(process.env.BENCH_RUNS ?? 5);
// BENCH_SIZES=1000 (or 100,3000) runs only those sizes of N.
const sizes = [
	{n: 100, m: 10, k: 10},
	{n: 1000, m: 100, k: 100},
	{n: 3000, m: 300, k: 300},
].filter(({n}) => !process.env.BENCH_SIZES || process.env.BENCH_SIZES.split(',').map(Number).includes(n));

if (process.getuid?.() !== 0) {
	console.error('bench: run as root (it builds network namespaces)');
	process.exit(2);
}
execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], {stdio: 'inherit'});
rmSync(work, {recursive: true, force: true});
mkdirSync(work, {recursive: true});

const namespaces = [];
const cleanup = () => {
	for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
	spawnSync('tmux', ['-L', 'kvmnet-bench', 'kill-server']);
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length % 2
		? sorted[(sorted.length - 1) / 2]
		: (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
const round = (ms) => Math.round(ms);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function timed(argv, options = {}) {
	const started = performance.now();
	const result = spawnSync(argv[0], argv.slice(1), {stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 1 << 28, ...options});
	if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr}`);
	return performance.now() - started;
}
const medianOf = (argv, options) => median(Array.from({length: runs}, () => timed(argv, options)));

/** A namespace with exactly n links besides lo: bridges with taps, veth pairs left down, macvlans on the veths. */
function makeNamespace(n) {
	const ns = `kvmnet-bench-${n}`;
	spawnSync('ip', ['netns', 'del', ns]);
	execFileSync('ip', ['netns', 'add', ns]);
	namespaces.push(ns);
	const lines = [];
	let count = 0;
	const bridges = Math.max(1, Math.floor(n / 50));
	for (let b = 0; b < bridges && count < n; b++) {
		lines.push(`link add sbr${b} type bridge`, `link set sbr${b} up`);
		count++;
		for (let t = 0; t < 20 && count < n; t++, count++)
			lines.push(`tuntap add dev st${b}x${t} mode tap`, `link set st${b}x${t} master sbr${b}`);
	}
	let v = 0;
	const macvlans = Math.floor(n / 25);
	while (count + 2 <= n - macvlans) {
		lines.push(`link add sva${v} type veth peer name svb${v++}`);
		count += 2;
	}
	for (let m = 0; count < n; m++, count++)
		lines.push(`link add link sva${m % Math.max(1, v)} name smv${m} type macvlan mode bridge`);
	execFileSync('ip', ['-n', ns, '-batch', '-'], {input: `${lines.join('\n')}\n`});
	return ns;
}

// Each VM also carries the other devices of a real q35 VM (disks, 15 PCIe controllers, consoles, channels, input,
// graphics, video, sound, USB redirection, balloon, RNG), taken from a dump by a real libvirtd: a real VM's XML
// is mostly these, and parsing them is most of the cost of reading VMs.
const realDevices = (() => {
	const xml = readFileSync(join(root, 'test/fixtures/captured/domain-qemu-web01.xml'), 'utf8');
	const devices = xml.slice(xml.indexOf('<devices>') + '<devices>'.length, xml.indexOf('</devices>'));
	return devices.replace(/\s*<interface[\s\S]*?<\/interface>/g, '').replace(/\s*<emulator>.*?<\/emulator>/, '');
})();

/** A test-driver host file with m NAT networks and k VMs of three interfaces each (plus a real VM's other devices). */
function makeHostFile(m, k) {
	const parts = [
		'<node><cpu><mhz>2400</mhz><model>x86_64</model><active>8</active><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>2</threads></cpu><memory>16777216</memory>',
	];
	for (let i = 0; i < m; i++) {
		const net = `10.${Math.floor(i / 250)}.${i % 250}`;
		parts.push(
			`<network><name>net${i}</name><forward mode='nat'/><bridge name='vb${i}'/><ip address='${net}.1' prefix='24'><dhcp><range start='${net}.2' end='${net}.254'/></dhcp></ip></network>`,
		);
	}
	for (let i = 0; i < k; i++) {
		const nics = [0, 1, 2].map(
			(j) =>
				`<interface type='network'><mac address='52:54:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:0${j}'/><source network='net${(i + j) % m}'/><model type='virtio'/></interface>`,
		);
		parts.push(
			`<domain type='test'><name>vm${i}</name><memory unit='MiB'>512</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices>${nics.join('')}${realDevices}</devices></domain>`,
		);
	}
	parts.push('</node>');
	const file = join(work, `host-${m}-${k}.xml`);
	writeFileSync(file, parts.join(''));
	return file;
}

const traceEvents = (file) =>
	existsSync(file)
		? readFileSync(file, 'utf8')
				.trim()
				.split('\n')
				.filter(Boolean)
				.map((l) => JSON.parse(l))
		: [];

function measureInventory(ns, uri, m, k) {
	const inNs = (argv) => ['ip', 'netns', 'exec', ns, ...argv];
	const rss = [];
	const kvmnet = median(
		Array.from({length: runs}, (_, i) => {
			const traceFile = join(work, `inventory-${ns}-${i}.jsonl`);
			const ms = timed(inNs([process.execPath, cli, 'inventory', '--json', '--connect', uri]), {
				env: {...process.env, KVMNET_TRACE: traceFile},
			});
			rss.push(traceEvents(traceFile).find((e) => e.event === 'exit')?.maxRssKb ?? 0);
			return ms;
		}),
	);
	const baseline = medianOf(inNs(['bash', join(root, 'bench/baseline.sh'), uri]));
	const queries = [
		'net-list --all',
		'list --all',
		...Array.from({length: m}, (_, i) => `net-dumpxml net${i}`),
		...Array.from({length: k}, (_, i) => `dumpxml vm${i}`),
	].join('\n');
	const floorParts = {
		node: medianOf([process.execPath, '-e', '0']),
		ip: medianOf(inNs(['ip', '-j', '-d', 'addr'])),
		bridge: medianOf(inNs(['bridge', '-j', 'link'])),
		virsh: medianOf(['virsh', '-q', '-c', uri], {input: `${queries}\n`}),
	};
	const floor = floorParts.node + floorParts.ip + floorParts.bridge + floorParts.virsh;
	return {kvmnet, baseline, floor, floorParts, peakRssMb: Math.max(...rss) / 1024};
}

// The TUI under tmux (80x24), with KVMNET_TRACE: first inventory frame, stalls, and keypress latency.
async function measureTui(ns, uri, keys) {
	const traceFile = join(work, `tui-${ns}-${Date.now()}.jsonl`);
	const tmux = (...args) => spawnSync('tmux', ['-L', 'kvmnet-bench', ...args]);
	tmux('kill-server');
	tmux(
		'-f',
		'/dev/null',
		'new-session',
		'-d',
		'-s',
		'b',
		'-x',
		'80',
		'-y',
		'24',
		'env',
		'-u',
		'CI',
		`KVMNET_TRACE=${traceFile}`,
		'TERM=xterm-256color',
		'ip',
		'netns',
		'exec',
		ns,
		process.execPath,
		cli,
		'--connect',
		uri,
	);
	const waitFor = async (predicate, timeoutMs = 20000) => {
		const started = Date.now();
		while (Date.now() - started < timeoutMs) {
			const events = traceEvents(traceFile);
			if (predicate(events)) return events;
			await sleep(20);
		}
		throw new Error(
			`the TUI did not get there in ${timeoutMs} ms; trace: ${JSON.stringify(traceEvents(traceFile).slice(-5))}`,
		);
	};
	let events = await waitFor((e) => e.some((x) => x.event === 'inventory-frame'));
	const firstFrame = events.find((x) => x.event === 'inventory-frame').t;
	const scanStall = events.find((x) => x.event === 'stall' && x.phase === 'scan')?.maxMs;
	tmux('send-keys', '-t', 'b', 'r');
	events = await waitFor((e) => e.filter((x) => x.event === 'inventory-frame').length >= 2);
	const refreshStall = events.find((x) => x.event === 'stall' && x.phase === 'refresh')?.maxMs;
	const latencies = [];
	if (keys) {
		tmux('send-keys', '-t', 'b', '2');
		await sleep(300);
		const before = traceEvents(traceFile).length;
		for (let i = 0; i < keys; i++) {
			tmux('send-keys', '-t', 'b', i % 10 === 9 ? 'PageDown' : 'j');
			await sleep(60);
		}
		await sleep(300);
		const after = traceEvents(traceFile).slice(before);
		for (const [i, e] of after.entries()) {
			if (e.event !== 'key') continue;
			const frame = after.slice(i + 1).find((x) => x.event === 'render');
			if (frame) latencies.push(frame.t - e.t);
		}
	}
	tmux('send-keys', '-t', 'b', 'q');
	await sleep(200);
	tmux('kill-server');
	return {firstFrame, scanStall, refreshStall, latencies};
}

const results = {
	machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 1024 ** 3)} GiB, node ${process.version}`,
	date: new Date().toISOString(),
	runs,
	sizes: [],
};
for (const size of sizes) {
	process.stderr.write(`bench: N=${size.n} links, M=${size.m} networks, K=${size.k} VMs…\n`);
	const ns = makeNamespace(size.n);
	const uri = `test://${makeHostFile(size.m, size.k)}`;
	const inventory = measureInventory(ns, uri, size.m, size.k);
	const tuiRuns = [];
	for (let i = 0; i < Math.min(runs, 3); i++)
		tuiRuns.push(await measureTui(ns, uri, size.n >= 3000 && i === 0 ? 40 : 0));
	const latencies = tuiRuns.flatMap((r) => r.latencies);
	results.sizes.push({
		...size,
		inventoryMs: round(inventory.kvmnet),
		baselineMs: round(inventory.baseline),
		floorMs: round(inventory.floor),
		floorParts: Object.fromEntries(Object.entries(inventory.floorParts).map(([k, v]) => [k, round(v)])),
		// How many times faster than the raw tools (a ratio under 0.01 would round to 0).
		baselineOverKvmnet: Math.round((inventory.baseline / inventory.kvmnet) * 10) / 10,
		vsFloor: Math.round((inventory.kvmnet / inventory.floor) * 100) / 100,
		peakRssMb: Math.round(inventory.peakRssMb),
		firstFrameMs: round(median(tuiRuns.map((r) => r.firstFrame))),
		firstFrameTargetMs: round(2 * (inventory.floorParts.node + inventory.floorParts.ip)),
		scanStallMs: Math.max(...tuiRuns.map((r) => r.scanStall ?? 0)),
		refreshStallMs: Math.max(...tuiRuns.map((r) => r.refreshStall ?? 0)),
		keyToFrameMedianMs: latencies.length ? Math.round(median(latencies) * 10) / 10 : undefined,
		keyToFrameMaxMs: latencies.length ? Math.round(Math.max(...latencies) * 10) / 10 : undefined,
	});
	spawnSync('ip', ['netns', 'del', ns]);
}

const header =
	'| N links | M nets | K VMs | kvmnet inventory | baseline (raw tools) | floor | raw tools ÷ kvmnet | kvmnet ÷ floor | peak RSS | first frame (target) | stall scan / refresh | key→frame median / max |';
const rows = results.sizes.map(
	(s) =>
		`| ${s.n} | ${s.m} | ${s.k} | ${s.inventoryMs} ms | ${s.baselineMs} ms | ${s.floorMs} ms | ${s.baselineOverKvmnet} | ${s.vsFloor} | ${s.peakRssMb} MB | ${s.firstFrameMs} ms (${s.firstFrameTargetMs}) | ${s.scanStallMs} / ${s.refreshStallMs} ms | ${s.keyToFrameMedianMs === undefined ? '-' : `${s.keyToFrameMedianMs} / ${s.keyToFrameMaxMs} ms`} |`,
);
const table = [
	`kvmnet benchmark, ${results.date}, ${results.machine}, medians of ${runs} runs`,
	'',
	header,
	`|${'---|'.repeat(12)}`,
	...rows,
].join('\n');
console.log(table);
mkdirSync(join(root, 'bench/results'), {recursive: true});
writeFileSync(join(root, 'bench/results/latest.md'), `${table}\n`);
writeFileSync(join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
