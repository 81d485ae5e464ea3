// Taking an interface's addressing out of the netplan files that define it. netplan merges every file in
// /etc/netplan: mappings are merged key by key and sequences from later files are added to earlier ones, so a
// later file cannot take away the `addresses`, `routes` or `nameservers` an earlier one gave a NIC (tested with
// `netplan generate`: an empty list in a later file leaves them, and the same address lands on the port and on the
// bridge, with "Conflicting default route declarations"). The files that define the uplink are rewritten instead,
// and the plan's undo puts them back. This reads block-style YAML as netplan's own files and cloud-init write it;
// anything else (flow style for the NIC, a definition through `match:`) is refused in words, never guessed at.

/** Keys that give a NIC its addresses and routes: they move to the bridge with the NIC's traffic. */
const addressingKeys = new Set([
	'addresses',
	'gateway4',
	'gateway6',
	'routes',
	'routing-policy',
	'nameservers',
	'dhcp4',
	'dhcp6',
	'dhcp4-overrides',
	'dhcp6-overrides',
	'accept-ra',
]);

export type NetplanEdit = {defined: false} | {defined: true; text: string; nameservers: string[]} | {error: string};

const indentOf = (line: string) => line.length - line.trimStart().length;
const isContent = (line: string) => line.trim() !== '' && !line.trimStart().startsWith('#');
const keyOf = (line: string) => /^\s*(?:"([^"]+)"|'([^']+)'|([^\s:#][^:#]*?))\s*:(.*)$/.exec(line);

/**
 * The end (exclusive) of the block that starts at `start`: every following line indented deeper, or blank; and for
 * a key, the items of its sequence at the key's own indent (YAML allows `addresses:` then `- 192.0.2.10/24` under it
 * at the same column, as cloud-init writes it).
 */
function blockEnd(lines: string[], start: number): number {
	const indent = indentOf(lines[start]!);
	const isKey = !lines[start]!.trimStart().startsWith('-');
	let end = start + 1;
	for (let i = start + 1; i < lines.length; i++) {
		const line = lines[i]!;
		if (!isContent(line)) continue;
		const sameColumnItem = isKey && indentOf(line) === indent && /^-(\s|$)/.test(line.trimStart());
		if (indentOf(line) <= indent && !sameColumnItem) break;
		end = i + 1;
	}
	return end;
}

/**
 * The file without `name`'s addressing under `ethernets:` (the NIC stays defined, as `name: {}` when nothing else
 * is left), and the `nameservers:` lines it had, indented from zero, for the bridge to take.
 */
export function withoutAddressing(file: string, text: string, name: string, mac?: string): NetplanEdit {
	const lines = text.split('\n');
	const ethernets = lines.findIndex((line) => /^\s*ethernets\s*:\s*(#.*)?$/.test(line));
	const mentioned = text.includes(name) || (mac !== undefined && text.toLowerCase().includes(mac.toLowerCase()));
	const notHere = (): NetplanEdit =>
		mentioned
			? {
					error: `${file} names ${name} in a way kvmnet does not rewrite (not as a block under ethernets:, e.g. through match: or in flow style); move ${name}'s addresses to the bridge by hand or rewrite that stanza as a block`,
				}
			: {defined: false};
	if (ethernets < 0) return notHere();
	const sectionEnd = blockEnd(lines, ethernets);
	let stanza = -1;
	for (let i = ethernets + 1; i < sectionEnd; i++) {
		const key = keyOf(lines[i]!);
		if (!isContent(lines[i]!) || !key) continue;
		if ((key[1] ?? key[2] ?? key[3]) === name) {
			stanza = i;
			break;
		}
	}
	if (stanza < 0) return notHere();
	const rest = keyOf(lines[stanza]!)![4]!.trim();
	if (rest !== '' && !rest.startsWith('#')) return rest === '{}' ? {defined: true, text, nameservers: []} : notHere();
	const end = blockEnd(lines, stanza);
	const kept: string[] = [];
	const nameservers: string[] = [];
	for (let i = stanza + 1; i < end;) {
		const line = lines[i]!;
		if (!isContent(line)) {
			kept.push(line);
			i++;
			continue;
		}
		const key = keyOf(line);
		const keyEnd = blockEnd(lines, i);
		const keyName = key ? (key[1] ?? key[2] ?? key[3]) : undefined;
		if (keyName === 'match' || keyName === 'set-name')
			return {
				error: `${file} defines ${name} with ${keyName}:, so the name kvmnet sees may not be netplan's; move its addresses to the bridge by hand`,
			};
		if (keyName !== undefined && addressingKeys.has(keyName)) {
			if (keyName === 'nameservers') {
				const base = indentOf(line);
				nameservers.push(...lines.slice(i, keyEnd).map((l) => l.slice(Math.min(base, indentOf(l)))));
			}
		} else kept.push(...lines.slice(i, keyEnd));
		i = keyEnd;
	}
	const head = lines[stanza]!;
	const rewritten = kept.some(isContent) ? [head, ...kept] : [`${head.replace(/:\s*(#.*)?$/, ':')} {}`];
	return {defined: true, text: [...lines.slice(0, stanza), ...rewritten, ...lines.slice(end)].join('\n'), nameservers};
}
