// Names the mode of a libvirt network from the parts of its XML that decide it.
// libvirt's rules (formatnetwork.html): no <forward> means isolated; <forward> without mode means nat;
// mode='bridge' is a host bridge when <bridge name> is given (Open vSwitch when <virtualport
// type='openvswitch'>), and a macvtap pool when it lists <interface dev> or forward dev instead.
import type {NetworkMode} from './model.js';

export interface ForwardFacts {
	hasForward: boolean;
	forwardMode?: string;
	bridgeName?: string;
	virtualport?: string;
	forwardDev?: string;
	forwardInterfaces: string[];
}

export function classifyNetwork(facts: ForwardFacts): NetworkMode {
	if (!facts.hasForward) return 'isolated';
	const mode = facts.forwardMode ?? 'nat';
	switch (mode) {
		case 'nat':
		case 'route':
		case 'open':
		case 'hostdev':
			return mode;
		case 'bridge':
			if (facts.virtualport === 'openvswitch') return 'ovs';
			if (facts.bridgeName) return 'bridge';
			if (facts.forwardDev || facts.forwardInterfaces.length > 0) return 'macvtap-bridge';
			return 'unknown';
		case 'private':
		case 'vepa':
		case 'passthrough':
			return `macvtap-${mode}`;
		default:
			return 'unknown';
	}
}

/** Words for a mode, as the screens and the text report show it. */
export const modeLabels: Record<NetworkMode, string> = {
	nat: 'NAT',
	route: 'routed',
	open: 'open',
	isolated: 'isolated',
	bridge: 'host bridge',
	'macvtap-bridge': 'macvtap (bridge)',
	'macvtap-private': 'macvtap (private)',
	'macvtap-vepa': 'macvtap (vepa)',
	'macvtap-passthrough': 'macvtap (passthrough)',
	hostdev: 'SR-IOV pool',
	ovs: 'Open vSwitch',
	unknown: 'unknown',
};
