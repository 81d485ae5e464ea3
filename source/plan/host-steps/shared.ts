// What every network manager's host steps share: checks on a link's state read from `ip -j`, the words for a step
// that touches the SSH session, and which of a NIC's addresses and routes move to a bridge.
import type {HostModel, IpAddress, Nic, Route} from '../../core/model.js';
import {escapeRegExp, type PlanStep, type StepCheck} from '../../core/plan.js';

export const json = (value: string) => escapeRegExp(JSON.stringify(value));

/** Checks on a link's state, read from `ip -j`. */
export const link = {
	exists: (name: string): StepCheck => ({
		run: ['ip', '-j', 'link', 'show', 'dev', name],
		pattern: `"ifname":${json(name)}`,
		proves: `${name} exists`,
	}),
	up: (name: string): StepCheck => ({
		run: ['ip', '-j', 'link', 'show', 'dev', name],
		pattern: '"flags":\\[[^\\]]*"UP"',
		proves: `${name} is up`,
	}),
	mac: (name: string, mac: string): StepCheck => ({
		run: ['ip', '-j', 'link', 'show', 'dev', name],
		pattern: `"address":${json(mac)}`,
		proves: `${name} has MAC ${mac}`,
	}),
	master: (name: string, master: string): StepCheck => ({
		run: ['ip', '-j', 'link', 'show', 'dev', name],
		pattern: `"master":${json(master)}`,
		proves: `${name} is a port of ${master}`,
	}),
	address: (name: string, address: IpAddress, absent = false): StepCheck => ({
		run: ['ip', '-j', 'addr', 'show', 'dev', name],
		pattern: `"local":${json(address.address)},"prefixlen":${address.prefix}`,
		...(absent ? {absent: true} : {}),
		proves: `${name} ${absent ? 'no longer has' : 'has'} ${address.address}/${address.prefix}`,
	}),
	// `ip route show default` lists IPv4 only: an IPv6 route is looked for with -6.
	route: (route: Route, dev: string): StepCheck => ({
		run: ['ip', ...familyFlag(route), '-j', 'route', 'show', route.destination],
		pattern: `"dev":${json(dev)}`,
		proves: `the route to ${route.destination} uses ${dev}`,
	}),
};
export const sshRisk = (nic: string, what: string) =>
	`${nic} carries your SSH session: ${what}. If the new path does not come up, you lose this connection (apply guards this step and undoes it unless you confirm).`;

export const isIpv6Route = (route: Route) => (route.gateway ?? route.destination).includes(':');
export const familyFlag = (route: Route) => (isIpv6Route(route) ? ['-6'] : []);
/** The uplink's default gateway of one family, for tools that take one gateway per family. */
export const defaultGateway = (gateways: Route[], family: 'ipv4' | 'ipv6') =>
	gateways.find((r) => r.destination === 'default' && isIpv6Route(r) === (family === 'ipv6'))?.gateway;
export const movable = (nic: Nic) => nic.addresses.filter((a) => a.scope !== 'link' && a.scope !== 'host');
export const cidr = (a: IpAddress) => `${a.address}/${a.prefix}`;
export const routesVia = (host: HostModel, nic: Nic) =>
	host.routes.filter((r) => r.dev === nic.name && r.gateway && (r.table === undefined || r.table === 'main'));
export const isDhcp = (nic: Nic) => movable(nic).some((a) => a.family === 'ipv4' && a.dynamic);

/**
 * A host change this manager's files cannot take safely (a netplan stanza kvmnet does not rewrite, a file it could
 * not read): the planner turns it into an error on the field, and nothing is planned.
 */
export class HostStepRefusal extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
	}
}

/** What one network manager makes of the host changes that depend on it. */
export interface HostStepBuilder {
	/** A Linux bridge that takes over the uplink: its addresses, routes and MAC move to the bridge. */
	bridge(host: HostModel, bridge: string, uplink: Nic): PlanStep[];
	/** A VLAN sub-interface of `parent` enslaved to a new bridge with no address of its own. */
	vlanBridge(parent: Nic, id: number, bridge: string, host: HostModel): PlanStep[];
}
