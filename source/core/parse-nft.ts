// What `nft -j list chains` says about the forward hook: the base chains that drop what nothing in them accepts.
// Every base chain on a hook sees each packet, and a drop in any one is final (nft(8), "CHAINS"), so a FORWARD DROP
// of Docker's or ufw's (iptables-nft's "ip filter FORWARD") drops guests' traffic that libvirt's own nftables
// table accepts, and a native "inet filter forward" chain with policy drop does so whatever libvirt's backend.

interface NftChain {
	family?: unknown;
	table?: unknown;
	name?: unknown;
	hook?: unknown;
	policy?: unknown;
}

/** Forward-hook base chains with policy drop, as "family table chain"; undefined for output that is not nft's JSON. */
export function forwardDropChains(json: string): string[] | undefined {
	let parsed: unknown;
	try {
		parsed = JSON.parse(json);
	} catch {
		return undefined;
	}
	const items = (parsed as {nftables?: unknown})?.nftables;
	if (!Array.isArray(items)) return undefined;
	return items.flatMap((item: {chain?: NftChain}) => {
		const chain = item?.chain;
		if (!chain || chain.hook !== 'forward' || chain.policy !== 'drop') return [];
		const words = [chain.family, chain.table, chain.name];
		return words.every((w) => typeof w === 'string' && /^[\w.-]+$/.test(w)) ? [words.join(' ')] : [];
	});
}
