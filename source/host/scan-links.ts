// Links, addresses and routes from one `ip -batch` process, plus the sysfs facts iproute2 does not print.
import {basename} from 'node:path';
import type {Nic, Problem, Route} from '../core/model.js';
import {nextTurn} from '../core/next-turn.js';
import {
	parseIpLinks,
	parseIpRoutes,
	parseRouteGet,
	parseSysfsInteger,
	splitJsonDocuments,
	type SysfsFacts,
} from '../core/parse-ip.js';
import {answerHere, type EachAnswer, type EachQuestion} from './files.js';
import {describeFailure, describeTimeout, type Runner} from './runner.js';

export interface LinkScan {
	nics: Nic[];
	routes: Route[];
	/** The interface the route to `routeTo` leaves by. */
	routeDevice?: string;
	problems: Problem[];
}

export const defaultSysfsNet = '/sys/class/net';

/** What sysfs is asked of each link backed by a device (paths inside /sys/class/net/<link>). */
const sysfsQuestions: readonly EachQuestion[] = [
	{kind: 'link', path: 'device'},
	{kind: 'read', path: 'speed'},
	{kind: 'link', path: 'device/driver'},
	{kind: 'exists', path: 'wireless'},
	{kind: 'exists', path: 'phy80211'},
	{kind: 'read', path: 'device/sriov_totalvfs'},
	{kind: 'read', path: 'device/sriov_numvfs'},
];

function sysfsFactsOf(answers: readonly EachAnswer[] | undefined): SysfsFacts {
	const [device, speed, driver, wireless, phy, total, num] = answers ?? [];
	if (device === undefined) return {};
	const facts: SysfsFacts = {hasDevice: true, wireless: wireless !== undefined || phy !== undefined};
	const speedMbps = parseSysfsInteger(speed);
	if (speedMbps !== undefined) facts.speedMbps = speedMbps;
	if (driver) facts.driver = basename(driver);
	const totalVfs = parseSysfsInteger(total);
	if (totalVfs !== undefined) facts.sriovTotalVfs = totalVfs;
	const numVfs = parseSysfsInteger(num);
	if (numVfs !== undefined) facts.sriovNumVfs = numVfs;
	return facts;
}

/** What sysfs says of one link on this machine: only links backed by a device have these facts. */
export async function readSysfsFacts(sysfsNet: string, name: string): Promise<SysfsFacts> {
	const dir = `${sysfsNet}/${name}`;
	return sysfsFactsOf(await Promise.all(sysfsQuestions.map((q) => answerHere(q, `${dir}/${q.path}`))));
}

export interface LinkScanOptions {
	/** Also ask which interface the route to this address leaves by (the SSH client's address). */
	routeTo?: string;
	sysfsNet?: string;
}

export async function scanLinks(runner: Runner, options: LinkScanOptions = {}): Promise<LinkScan> {
	// One process answers all three questions; -force keeps going when `route get` finds no route.
	const commands = ['addr show', 'route show table all'];
	if (options.routeTo) commands.push(`route get ${options.routeTo}`);
	const sysfsNet = options.sysfsNet ?? defaultSysfsNet;
	// On a remote host, sysfs is asked with ip, for every link at once: waiting for ip to name the links backed by a
	// device would cost a round trip or two more. Here, where a read costs microseconds, only those links are read
	// (thousands of virtual links cost no file reads).
	const remoteSysfs = runner.remote ? runner.files.readEach(sysfsNet, 'device', sysfsQuestions) : undefined;
	const result = await runner.run(['ip', '-j', '-d', '-force', '-batch', '-'], {input: `${commands.join('\n')}\n`});
	if (result.timedOut) {
		const timeout = describeTimeout(result);
		return {
			nics: [],
			routes: [],
			problems: [
				{area: 'nics', message: `${timeout}: the network interfaces, addresses and routes could not be read`, timeout},
			],
		};
	}
	if (result.missing || result.stdout.trim() === '') {
		return {
			nics: [],
			routes: [],
			problems: [{area: 'nics', message: `cannot list network interfaces: ${describeFailure(result)}`}],
		};
	}
	const problems: Problem[] = [];
	let documents: unknown[];
	try {
		documents = splitJsonDocuments(result.stdout);
	} catch (error) {
		return {nics: [], routes: [], problems: [{area: 'nics', message: (error as Error).message}]};
	}
	// Only links on a bus have a device in sysfs: ip -d prints their parentbus, and they have no linkinfo kind
	// (bridges, veths, taps, macvlans… all do). Virtual links, however many, cost no file reads.
	const links = Array.isArray(documents[0])
		? (documents[0] as {ifname?: unknown; parentbus?: unknown; link_type?: unknown; linkinfo?: {info_kind?: unknown}}[])
		: [];
	const names = links
		.filter(
			(link) =>
				link.parentbus !== undefined || (link.linkinfo?.info_kind === undefined && link.link_type !== 'loopback'),
		)
		.map((link) => String(link.ifname));
	const rows = remoteSysfs ? await remoteSysfs : undefined;
	const facts = rows
		? names.map((name) => sysfsFactsOf(rows.get(name)))
		: await Promise.all(names.map((name) => readSysfsFacts(sysfsNet, name)));
	// JSON.parse of thousands of links and building them are each tens of ms: not in one go.
	await nextTurn();
	const sysfs = Object.fromEntries(names.map((name, i) => [name, facts[i]!]));
	let nics: Nic[] = [];
	let routes: Route[] = [];
	try {
		nics = parseIpLinks(documents[0], sysfs);
	} catch (error) {
		problems.push({area: 'nics', message: (error as Error).message});
		// One link iproute2 describes oddly does not hide the others: each is read alone and only it is left out.
		if (Array.isArray(documents[0]))
			nics = documents[0].flatMap((link) => {
				try {
					return parseIpLinks([link], sysfs);
				} catch {
					return [];
				}
			});
	}
	try {
		routes = documents[1] === undefined ? [] : parseIpRoutes(documents[1]);
	} catch (error) {
		problems.push({area: 'nics', message: (error as Error).message});
	}
	const scan: LinkScan = {nics, routes, problems};
	if (options.routeTo) {
		// A failed `route get` prints nothing, so its answer is present only when all three documents are.
		const device = documents[2] === undefined ? undefined : parseRouteGet(documents[2]);
		if (device) scan.routeDevice = device;
	}
	return scan;
}
