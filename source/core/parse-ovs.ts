// Parser for one `ovs-vsctl --format=json` run that lists the Bridge, Port and Interface tables
// (see ovsBridgeQuery in source/host/scan-ovs.ts for the exact argv).
import type {Bridge, BridgePort} from './model.js';
import {splitJsonDocuments} from './parse-ip.js';
import {ParseError, asArray, asRecord} from './parse-util.js';

type Row = Record<string, unknown>;

// OVSDB JSON encodes a value as an atom, ["uuid", id], ["set", [...]] or ["map", [[k, v], ...]].
function atoms(value: unknown): unknown[] {
	if (Array.isArray(value) && value[0] === 'set') return asArray(value[1], 'OVSDB set');
	return value === undefined || value === '' ? [] : [value];
}

function uuid(value: unknown): string | undefined {
	return Array.isArray(value) && value[0] === 'uuid' && typeof value[1] === 'string' ? value[1] : undefined;
}

function table(document: unknown, name: string): Row[] {
	const doc = asRecord(document, `ovs-vsctl ${name} table`);
	const headings = asArray(doc['headings'], `ovs-vsctl ${name} headings`).map(String);
	return asArray(doc['data'], `ovs-vsctl ${name} data`).map((row) => {
		const cells = asArray(row, `ovs-vsctl ${name} row`);
		return Object.fromEntries(headings.map((heading, i) => [heading, cells[i]]));
	});
}

export function parseOvsBridges(output: string): Bridge[] {
	const documents = splitJsonDocuments(output);
	if (documents.length !== 3) throw new ParseError('ovs-vsctl output', `expected 3 tables, got ${documents.length}`);
	const [bridgeRows, portRows, interfaceRows] = [
		table(documents[0], 'Bridge'),
		table(documents[1], 'Port'),
		table(documents[2], 'Interface'),
	];
	const interfaceType = new Map(interfaceRows.map((row) => [uuid(row['_uuid']), String(row['type'] ?? '')]));
	const ports = new Map(
		portRows.map((row) => {
			const port: BridgePort = {name: String(row['name'])};
			const tag = atoms(row['tag'])[0];
			if (typeof tag === 'number') port.tag = tag;
			const trunks = atoms(row['trunks']).filter((t): t is number => typeof t === 'number');
			if (trunks.length > 0) port.trunks = trunks;
			const type = atoms(row['interfaces'])
				.map((i) => interfaceType.get(uuid(i)))
				.find((t) => t !== undefined && t !== '');
			if (type) port.ovsType = type;
			return [uuid(row['_uuid']), port] as const;
		}),
	);
	return bridgeRows.map((row) => {
		const name = String(row['name']);
		const bridge: Bridge = {
			name,
			type: 'ovs',
			// The bridge's own internal port is listed as a port of itself; it is the bridge, not a port.
			ports: atoms(row['ports'])
				.map((p) => ports.get(uuid(p)))
				.filter((p): p is BridgePort => p !== undefined && p.name !== name)
				.sort((a, b) => a.name.localeCompare(b.name)),
			addresses: [],
			stp: row['stp_enable'] === true,
		};
		const datapath = String(row['datapath_type'] ?? '');
		bridge.datapath = datapath === '' ? 'system' : datapath;
		return bridge;
	});
}
