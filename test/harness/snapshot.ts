// What a plan can change in a test's namespace, in a form that compares equal when nothing changed: links with
// their addresses (byte counters and address lifetimes, which move on their own, left out), every route table,
// libvirt's networks, OVS, and whatever more a test names (a VM's interfaces, firewall rules).
import type {Libvirtd} from './libvirtd.js';

/** A bridge's timers (hello, gc…) count on their own. */
function withoutTimers(link: Record<string, unknown>): Record<string, unknown> {
	const info = (link['linkinfo'] as {info_data?: Record<string, unknown>} | undefined)?.info_data;
	if (!info) return link;
	const kept = Object.fromEntries(Object.entries(info).filter(([key]) => !key.endsWith('_timer')));
	return {...link, linkinfo: {...(link['linkinfo'] as object), info_data: kept}};
}

export async function namespaceSnapshot(
	daemon: Libvirtd,
	env: Record<string, string>,
	extra: Record<string, () => Promise<unknown>> = {},
): Promise<Record<string, unknown>> {
	const inNs = async (argv: string[]) => (await daemon.exec(argv, env)).stdout;
	// An IPv6 address just added (or on a link just brought up) is "tentative" until its duplicate address detection
	// ends (~1-2 s), and its local route comes then: the snapshot waits for that, so it does not depend on timing.
	for (let waited = 0; waited < 5000; waited += 100) {
		if ((await inNs(['ip', '-6', 'addr', 'show', 'tentative'])).trim() === '') break;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	const links = JSON.parse(await inNs(['ip', '-j', '-d', 'addr'])) as Record<string, unknown>[];
	const snapshot: Record<string, unknown> = {
		links: links.map(({addr_info, ...link}) => ({
			...withoutTimers(link),
			addr_info: (addr_info as Record<string, unknown>[]).map(({valid_life_time, preferred_life_time, ...a}) => a),
		})),
		routes: JSON.parse(await inNs(['ip', '-j', 'route', 'show', 'table', 'all'])),
		networks: (await daemon.virsh('net-list --all')).stdout,
	};
	if (env['OVS_RUNDIR'])
		snapshot['ovs'] = await inNs(['ovs-vsctl', '--timeout=5', 'show']).then((text) =>
			text.replace(/^[0-9a-f-]{36}$/m, ''),
		);
	for (const [name, read] of Object.entries(extra)) snapshot[name] = await read();
	return snapshot;
}
