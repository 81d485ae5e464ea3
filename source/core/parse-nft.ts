// What `nft -j list ruleset` says about the forward hook: the base chains that drop what nothing in them accepts.
// Every base chain on a hook sees each packet, and a drop in any one is final (nft(8), "CHAINS"), so a FORWARD DROP
// of Docker's or ufw's (iptables-nft's "ip filter FORWARD") drops guests' traffic that libvirt's own nftables
// table accepts, and a native "inet filter forward" chain with policy drop does so whatever libvirt's backend.

export interface ForwardDrop {
	/** "family table chain". */
	chain: string;
	/** How many rules the chain has (none: it drops every forwarded packet). */
	rules: number;
	/** Interfaces a rule of the chain accepts outright by input name (`iifname "virbr0" accept`). */
	acceptsFrom: string[];
	/** Interfaces accepted by output name (`oifname "virbr0" accept`), for the replies. */
	acceptsTo: string[];
	/** A rule accepts by connection state (`ct state established,related accept`), which lets replies back. */
	acceptsReplies: boolean;
}

const word = (w: unknown): w is string => typeof w === 'string' && /^[\w.-]+$/.test(w);

/** Forward-hook base chains with policy drop; undefined for output that is not nft's JSON. */
export function forwardDrops(json: string): ForwardDrop[] | undefined {
	let parsed: unknown;
	try {
		parsed = JSON.parse(json);
	} catch {
		return undefined;
	}
	const items = (parsed as {nftables?: unknown})?.nftables;
	if (!Array.isArray(items)) return undefined;
	const drops = new Map<string, ForwardDrop>();
	for (const item of items as {chain?: Record<string, unknown>}[]) {
		const c = item?.chain;
		if (!c || c['hook'] !== 'forward' || c['policy'] !== 'drop') continue;
		if (![c['family'], c['table'], c['name']].every(word)) continue;
		const name = `${c['family']} ${c['table']} ${c['name']}`;
		drops.set(name, {chain: name, rules: 0, acceptsFrom: [], acceptsTo: [], acceptsReplies: false});
	}
	for (const item of items as {rule?: Record<string, unknown>}[]) {
		const r = item?.rule;
		if (!r) continue;
		const drop = drops.get(`${r['family']} ${r['table']} ${r['chain']}`);
		if (!drop) continue;
		drop.rules++;
		const expr = Array.isArray(r['expr']) ? (r['expr'] as Record<string, unknown>[]) : [];
		if (!expr.some((e) => 'accept' in e)) continue;
		const matches = expr
			.map((e) => e['match'] as {left?: {meta?: {key?: unknown}; ct?: {key?: unknown}}; right?: unknown} | undefined)
			.filter((m) => m !== undefined);
		// Only a rule that is one match and accept counts: anything more may narrow it.
		if (matches.length !== 1 || expr.length !== 2) continue;
		const [m] = matches;
		if (m!.left?.meta?.key === 'iifname' && word(m!.right)) drop.acceptsFrom.push(m!.right);
		else if (m!.left?.meta?.key === 'oifname' && word(m!.right)) drop.acceptsTo.push(m!.right);
		else if (m!.left?.ct?.key === 'state' && JSON.stringify(m!.right).includes('established'))
			drop.acceptsReplies = true;
	}
	return [...drops.values()];
}
