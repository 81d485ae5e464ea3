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
import {localFiles, type HostFiles} from './files.js';
import {describeFailure, describeTimeout, type Runner} from './runner.js';

export interface LinkScan {
	nics: Nic[];
	routes: Route[];
	/** The interface the route to `routeTo` leaves by. */
	routeDevice?: string;
	problems: Problem[];
}

export const defaultSysfsNet = '/sys/class/net';

/**
 * What sysfs says of one link. Only links backed by a device have these facts; all are asked at once (not the device
 * link first, then the rest), so a remote host answers every link's reads in one round trip.
 */
export async function readSysfsFacts(
	sysfsNet: string,
	name: string,
	files: HostFiles = localFiles,
): Promise<SysfsFacts> {
	const dir = `${sysfsNet}/${name}`;
	const [device, speed, driver, wireless, phy, total, num] = await Promise.all([
		files.readlink(`${dir}/device`),
		files.read(`${dir}/speed`),
		files.readlink(`${dir}/device/driver`),
		files.exists(`${dir}/wireless`),
		files.exists(`${dir}/phy80211`),
		files.read(`${dir}/device/sriov_totalvfs`),
		files.read(`${dir}/device/sriov_numvfs`),
	]);
	if (device === undefined) return {};
	const facts: SysfsFacts = {hasDevice: true, wireless: wireless || phy};
	const speedMbps = parseSysfsInteger(speed);
	if (speedMbps !== undefined) facts.speedMbps = speedMbps;
	if (driver) facts.driver = basename(driver);
	const totalVfs = parseSysfsInteger(total);
	if (totalVfs !== undefined) facts.sriovTotalVfs = totalVfs;
	const numVfs = parseSysfsInteger(num);
	if (numVfs !== undefined) facts.sriovNumVfs = numVfs;
	return facts;
}

/** The interface the route to `address` leaves by (for a remote host, asked once its SSH client is known). */
export async function routeDeviceTo(runner: Runner, address: string): Promise<string | undefined> {
	const result = await runner.run(['ip', '-j', 'route', 'get', address]);
	if (!result.ok) return undefined;
	try {
		return parseRouteGet(JSON.parse(result.stdout));
	} catch {
		return undefined;
	}
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
	const sysfsNet = options.sysfsNet ?? defaultSysfsNet;
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
	const facts = await Promise.all(names.map((name) => readSysfsFacts(sysfsNet, name, runner.files)));
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
