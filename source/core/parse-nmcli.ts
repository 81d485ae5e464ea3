// What NetworkManager's nmcli prints in terse mode (-t), read into plain data for the plans.

/**
 * `nmcli -t -f GENERAL.DEVICE,IP4.DNS,… device show`: one `FIELD[n]:value` line per value, devices one after the
 * other, each starting with its GENERAL.DEVICE line (terse mode escapes ':' in values as '\\:').
 */
export function parseNmDns(text: string): Record<string, {servers: string[]; search: string[]}> {
	const out: Record<string, {servers: string[]; search: string[]}> = {};
	let device: {servers: string[]; search: string[]} | undefined;
	for (const line of text.split('\n')) {
		const at = line.search(/(?<!\\):/);
		if (at < 0) continue;
		const field = line.slice(0, at).replace(/\[\d+\]$/, '');
		const value = line
			.slice(at + 1)
			.replace(/\\:/g, ':')
			.trim();
		if (field === 'GENERAL.DEVICE') {
			device = value ? (out[value] = {servers: [], search: []}) : undefined;
			continue;
		}
		if (!device || !value) continue;
		if (field === 'IP4.DNS' || field === 'IP6.DNS') device.servers.push(value);
		else if ((field === 'IP4.DOMAIN' || field === 'IP6.DOMAIN') && !device.search.includes(value))
			device.search.push(value);
	}
	return out;
}
