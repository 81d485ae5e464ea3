// The wizard's fields: their names (also the `kvmnet plan --FIELD` flags), labels and help, and how each is
// checked. Every check returns a message that names the field and the rule, so the TUI and the CLI say the same.
import {nicUsers} from './nic-users.js';
import type {HostModel, Nic, Vm} from './model.js';
import {
	broadcastOf,
	contains,
	formatCidr4,
	formatIpv4,
	ipv6InPrefix,
	networkOf,
	overlaps,
	overlaps6,
	parseCidr4,
	parseIpv4,
	parseIpv6,
	usedSubnets,
	usedSubnets6,
	type Cidr4,
} from './net.js';
import type {FieldError} from './plan.js';

export const fieldIds = [
	'name',
	'bridge',
	'uplink',
	'subnet',
	'gateway',
	'dhcp-start',
	'dhcp-end',
	'ipv6',
	'domain',
	'vlan',
	'vlan-method',
	'vf-count',
	'pci',
	'autostart',
	'vms',
	'model',
	'mac',
] as const;

export type FieldId = (typeof fieldIds)[number];
export type Params = Partial<Record<FieldId, string>>;

export const fieldLabels: Record<FieldId, string> = {
	name: 'Network name',
	bridge: 'Bridge',
	uplink: 'Uplink NIC',
	subnet: 'IPv4 subnet',
	gateway: 'Gateway (host address)',
	'dhcp-start': 'DHCP range start',
	'dhcp-end': 'DHCP range end',
	ipv6: 'IPv6 (optional)',
	domain: 'DNS domain (optional)',
	vlan: 'VLAN id(s)',
	'vlan-method': 'VLAN method',
	'vf-count': 'Number of VFs',
	pci: 'PCI address',
	autostart: 'Start at boot',
	vms: 'Attach to VMs',
	model: 'NIC model',
	mac: 'MAC (optional)',
};

export const fieldHelp: Record<FieldId, string> = {
	name: 'libvirt network name: letters, digits, . - _',
	bridge: 'interface name, at most 15 bytes',
	uplink: 'the host NIC this mode uses',
	subnet: 'a free private subnet, e.g. 192.168.100.0/24',
	gateway: "the host's address on the network",
	'dhcp-start': 'first address handed out (empty: no DHCP)',
	'dhcp-end': 'last address handed out',
	ipv6: 'address/prefix, e.g. fd00:100::1/64; empty for none',
	domain: 'e.g. lab.internal; empty for none',
	vlan: 'one id 1-4094, or several for a trunk: 100,200',
	'vlan-method': 'ovs, subinterface (host eth.N + bridge) or libvirt (<vlan>, libvirt >= 11)',
	'vf-count': 'how many virtual functions to create on the PF',
	pci: 'dddd:bb:ss.f, e.g. 0000:03:00.0',
	autostart: 'yes or no',
	vms: 'comma-separated VM names; empty for none',
	model: 'virtio (fastest), e1000e, e1000, rtl8139, vmxnet3',
	mac: 'empty: libvirt picks one',
};

/** none: no uplink field; optional: any NIC or none; wired: a wired NIC is required; wired-optional: a wired NIC,
 * or none; sriov: a NIC with SR-IOV. */
export type UplinkNeed = 'none' | 'optional' | 'wired' | 'wired-optional' | 'sriov';

/** The parsed, checked parameters a mode builds its plan from. */
export interface ValidParams {
	name: string;
	bridge: string;
	uplink?: Nic;
	subnet?: Cidr4;
	gateway?: number;
	dhcp?: {start: number; end: number};
	ipv6?: {address: string; prefix: number};
	domain?: string;
	vlanIds: number[];
	vlanMethod: 'ovs' | 'subinterface' | 'libvirt';
	vfCount?: number;
	pci?: string;
	autostart: boolean;
	vms: Vm[];
	model: string;
	mac?: string;
}

/** What a mode asks of the fields; see ModeDefinition. */
export interface FieldRules {
	fields: readonly FieldId[];
	uplink: UplinkNeed;
	/** The mode creates the bridge (libvirt-managed or host bridge): the name must be free, or an existing bridge. */
	bridge: 'new' | 'host' | 'ovs' | 'none';
	/** Refuse the SSH interface as uplink, with this reason. */
	sshUplinkRefused?: string;
	/** Fields that may be left empty in this mode (vlan for OVS). */
	optional?: readonly FieldId[];
}

const interfaceName = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const networkName = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const nicModels = ['virtio', 'e1000e', 'e1000', 'rtl8139', 'vmxnet3'];
// A veth counts: it is how a nested or namespaced host reaches its LAN, and bridges and macvtap work on it.
export const wiredKinds = new Set<Nic['kind']>(['physical', 'bond', 'vlan', 'veth']);

/**
 * Whether a NIC can be a mode's uplink: the one rule behind the field's choices, its defaults and the suggestions
 * in its error. A port of a bridge never can (it is taken); the field's check says why in each case.
 */
export function canBeUplink(nic: Nic, need: UplinkNeed): boolean {
	if (need === 'none' || nic.master) return false;
	if (need === 'sriov') return Boolean(nic.sriov);
	if (need === 'optional') return nic.kind !== 'loopback';
	return wiredKinds.has(nic.kind) && !nic.wireless;
}

/** libvirt version text "11.0.0" as a comparable number. */
export function versionNumber(version: string | undefined): number {
	const [major = 0, minor = 0] = (version ?? '0').split('.').map(Number);
	return major * 1000 + minor;
}

function checkInterfaceName(field: FieldId, value: string): string | undefined {
	if (value === '') return `${field}: a name is required`;
	if (Buffer.byteLength(value) > 15)
		return `${field}: "${value}" is ${Buffer.byteLength(value)} bytes; interface names are at most 15 bytes`;
	if (value === '.' || value === '..' || !interfaceName.test(value))
		return `${field}: "${value}" is not an interface name (letters, digits, '.', '-', '_'; no spaces, '/' or ':')`;
	return undefined;
}

function ipv4Field(field: FieldId, value: string, subnet: Cidr4 | undefined): {value?: number; error?: string} {
	const address = parseIpv4(value);
	if (address === undefined) return {error: `${field}: "${value}" is not an IPv4 address (e.g. 192.168.100.1)`};
	if (subnet) {
		if (!contains(subnet, address)) return {error: `${field}: ${value} is not inside ${formatCidr4(subnet)}`};
		if (address === subnet.network)
			return {error: `${field}: ${value} is the network address of ${formatCidr4(subnet)}`};
		if (address === broadcastOf(subnet))
			return {error: `${field}: ${value} is the broadcast address of ${formatCidr4(subnet)}`};
	}
	return {value: address};
}

export function parseVlanIds(value: string): {ids?: number[]; error?: string} {
	const parts = value.split(',').map((p) => p.trim());
	const ids: number[] = [];
	for (const part of parts) {
		if (!/^\d+$/.test(part) || Number(part) < 1 || Number(part) > 4094)
			return {error: `vlan: "${part}" is not a VLAN id; VLAN ids are whole numbers from 1 to 4094`};
		if (ids.includes(Number(part))) return {error: `vlan: ${part} is listed twice`};
		ids.push(Number(part));
	}
	return {ids};
}

export function checkMac(value: string): string | undefined {
	if (!/^[\da-fA-F]{2}(:[\da-fA-F]{2}){5}$/.test(value))
		return `mac: "${value}" is not a MAC address; write six pairs of hex digits, e.g. 52:54:00:12:34:56`;
	const first = Number.parseInt(value.slice(0, 2), 16);
	if (first % 2 === 1)
		return `mac: ${value} is a multicast address (the lowest bit of the first byte is set); a NIC needs a unicast one`;
	if (/^(00:){5}00$/.test(value)) return 'mac: 00:00:00:00:00:00 is not a usable address';
	return undefined;
}

/** A NIC for an uplink field, or the message saying why it cannot be one. */
function checkUplink(
	value: string,
	need: UplinkNeed,
	host: HostModel,
	sshRefused: string | undefined,
): {nic?: Nic; error?: string} {
	if (value === '') {
		if (need === 'none' || need === 'optional' || need === 'wired-optional') return {};
		const choices = host.nics.filter((nic) => canBeUplink(nic, need)).map((nic) => nic.name);
		return {
			error: `uplink: this mode needs a host NIC${choices.length > 0 ? ` (here: ${choices.slice(0, 6).join(', ')})` : ', and this host has none that fits'}`,
		};
	}
	const nic = host.nics.find((n) => n.name === value);
	if (!nic) return {error: `uplink: there is no interface named "${value}" on this host`};
	if (need === 'wired' || need === 'wired-optional' || need === 'sriov') {
		if (nic.wireless) {
			return {
				error: `uplink: ${value} is Wi-Fi; 802.11 lets a station send only from its own MAC, so bridging and macvtap do not work on it (use NAT or routed)`,
			};
		}
		if (!wiredKinds.has(nic.kind))
			return {error: `uplink: ${value} is a ${nic.kind}; choose a physical NIC, a bond or a VLAN interface`};
		if (nic.master) return {error: `uplink: ${value} is already a port of ${nic.master}`};
	}
	if (need === 'sriov' && !nic.sriov)
		return {error: `uplink: ${value} has no SR-IOV virtual functions (its driver reports no sriov_totalvfs)`};
	if (sshRefused && host.header.ssh?.interface === value)
		return {error: `uplink: ${value} carries your SSH session; ${sshRefused}`};
	return {nic};
}

/**
 * Check every field a mode uses, and the fields against each other and against the host. Returns the parsed
 * parameters, or every error found (one per field at most, in field order).
 */
export function validateFields(
	rules: FieldRules,
	raw: Params,
	host: HostModel,
): {valid?: ValidParams; errors: FieldError[]} {
	const errors: FieldError[] = [];
	const fail = (field: FieldId, message: string | undefined) => {
		if (message && !errors.some((e) => e.field === field)) errors.push({field, message});
	};
	const uses = (field: FieldId) => rules.fields.includes(field);
	const get = (field: FieldId) => (uses(field) ? (raw[field] ?? '').trim() : '');

	const name = get('name');
	if (uses('name')) {
		if (name === '') fail('name', 'name: a network name is required');
		else if (name.length > 50) fail('name', `name: at most 50 characters (this one has ${name.length})`);
		else if (!networkName.test(name))
			fail('name', `name: "${name}" may only use letters, digits, '.', '-' and '_', starting with a letter or digit`);
		else if (host.networks.some((n) => n.name === name))
			fail('name', `name: a libvirt network named ${name} already exists`);
	}

	const bridge = get('bridge');
	if (uses('bridge')) {
		const nameError = checkInterfaceName('bridge', bridge);
		fail('bridge', nameError);
		if (!nameError) {
			const existing = host.nics.find((n) => n.name === bridge);
			const usedBy = host.networks.find((n) => n.bridge === bridge);
			if (rules.bridge === 'new') {
				if (usedBy) fail('bridge', `bridge: ${bridge} is already the bridge of libvirt network ${usedBy.name}`);
				else if (existing)
					fail(
						'bridge',
						`bridge: ${bridge} already exists on this host (a ${existing.kind}); libvirt creates this bridge itself`,
					);
			} else if (rules.bridge === 'host' && existing && existing.kind !== 'bridge' && existing.kind !== 'ovs') {
				fail('bridge', `bridge: ${bridge} exists and is a ${existing.kind}, not a bridge`);
			} else if (
				rules.bridge === 'ovs' &&
				existing &&
				!host.bridges.some((b) => b.name === bridge && b.type === 'ovs')
			) {
				fail('bridge', `bridge: ${bridge} exists and is not an Open vSwitch bridge`);
			}
		}
	}

	const uplinkCheck = uses('uplink') ? checkUplink(get('uplink'), rules.uplink, host, rules.sshUplinkRefused) : {};
	fail('uplink', uplinkCheck.error);

	let subnet: Cidr4 | undefined;
	if (uses('subnet')) {
		const text = get('subnet');
		const parsed = parseCidr4(text);
		if (text === '') fail('subnet', 'subnet: an IPv4 subnet is required, e.g. 192.168.100.0/24');
		else if (!parsed) fail('subnet', `subnet: "${text}" is not address/prefix, e.g. 192.168.100.0/24`);
		else if (parsed.prefix < 8 || parsed.prefix > 30)
			fail(
				'subnet',
				`subnet: the prefix must be from 8 to 30 (/${parsed.prefix} ${parsed.prefix > 30 ? 'leaves no room for guests' : 'is larger than any LAN'})`,
			);
		else if (networkOf(parsed.address, parsed.prefix) !== parsed.address) {
			fail(
				'subnet',
				`subnet: ${text} has host bits set; the network is ${formatIpv4(networkOf(parsed.address, parsed.prefix))}/${parsed.prefix}`,
			);
		} else {
			const candidate = {network: parsed.address, prefix: parsed.prefix};
			const first = Math.floor(parsed.address / 2 ** 24);
			if (first === 0 || first === 127 || first >= 224)
				fail('subnet', `subnet: ${text} is in a reserved range (0/8, 127/8 loopback, 224/4 multicast and above)`);
			const clash = usedSubnets(host).find((used) => overlaps(used.cidr, candidate));
			if (clash) fail('subnet', `subnet: ${text} overlaps ${clash.what}`);
			else subnet = candidate;
		}
	}

	let gateway: number | undefined;
	if (uses('gateway') && subnet) {
		const result = ipv4Field('gateway', get('gateway'), subnet);
		fail(
			'gateway',
			get('gateway') === '' ? 'gateway: the host needs an address on the network, e.g. the first one' : result.error,
		);
		gateway = result.value;
	}

	let dhcp: ValidParams['dhcp'];
	if (uses('dhcp-start') && subnet) {
		const [startText, endText] = [get('dhcp-start'), get('dhcp-end')];
		if ((startText === '') !== (endText === '')) {
			fail(
				startText === '' ? 'dhcp-start' : 'dhcp-end',
				`${startText === '' ? 'dhcp-start' : 'dhcp-end'}: give both ends of the DHCP range, or neither for no DHCP`,
			);
		} else if (startText !== '') {
			const start = ipv4Field('dhcp-start', startText, subnet);
			const end = ipv4Field('dhcp-end', endText, subnet);
			fail('dhcp-start', start.error);
			fail('dhcp-end', end.error);
			if (start.value !== undefined && end.value !== undefined) {
				if (end.value < start.value) fail('dhcp-end', `dhcp-end: ${endText} comes before dhcp-start ${startText}`);
				else if (gateway !== undefined && gateway >= start.value && gateway <= end.value) {
					fail(
						'dhcp-start',
						`dhcp-start: the range ${startText}-${endText} includes the gateway ${formatIpv4(gateway)}`,
					);
				} else dhcp = {start: start.value, end: end.value};
			}
		}
	}

	let ipv6: ValidParams['ipv6'];
	if (uses('ipv6') && get('ipv6') !== '') {
		const text = get('ipv6');
		const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
		const groups = match ? parseIpv6(match[1]!) : undefined;
		const prefix = match ? Number(match[2]) : 0;
		if (!match || !groups) fail('ipv6', `ipv6: "${text}" is not an IPv6 address/prefix, e.g. fd00:100::1/64`);
		else if (prefix < 8 || prefix > 126) fail('ipv6', `ipv6: the prefix must be from 8 to 126 (got /${prefix})`);
		else if (ipv6InPrefix(groups, [0xfe80, 0, 0, 0, 0, 0, 0, 0], 10))
			fail('ipv6', `ipv6: ${match[1]} is link-local (fe80::/10); use a global or unique local (fd00::/8) address`);
		else if (groups[0]! >= 0xff00) fail('ipv6', `ipv6: ${match[1]} is a multicast address`);
		else if (groups.every((g) => g === 0)) fail('ipv6', 'ipv6: :: is not a usable address');
		else {
			const clash = usedSubnets6(host).find((used) => overlaps6(used.cidr, {network: groups, prefix}));
			if (clash) fail('ipv6', `ipv6: ${text} overlaps ${clash.what}`);
			else ipv6 = {address: match[1]!.toLowerCase(), prefix};
		}
	}

	const domain = get('domain');
	if (
		domain !== '' &&
		(domain.length > 253 || !domain.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(label)))
	) {
		fail(
			'domain',
			`domain: "${domain}" is not a DNS name; use labels of letters, digits and '-' separated by dots, e.g. lab.internal`,
		);
	}

	let vlanIds: number[] = [];
	if (uses('vlan')) {
		const text = get('vlan');
		if (text === '') {
			if (!rules.optional?.includes('vlan')) fail('vlan', 'vlan: at least one VLAN id is required (1-4094)');
		} else {
			const parsed = parseVlanIds(text);
			fail('vlan', parsed.error);
			vlanIds = parsed.ids ?? [];
		}
	}

	let vlanMethod: ValidParams['vlanMethod'] = 'ovs';
	if (uses('vlan-method')) {
		const text = get('vlan-method');
		if (text !== 'ovs' && text !== 'subinterface' && text !== 'libvirt')
			fail('vlan-method', `vlan-method: "${text}" is not one of ovs, subinterface, libvirt`);
		else {
			vlanMethod = text;
			if (text === 'ovs' && host.capabilities.ovs !== 'running')
				fail(
					'vlan-method',
					`vlan-method: Open vSwitch is ${host.capabilities.ovs === 'missing' ? 'not installed' : 'not running'} on this host`,
				);
			if (text === 'libvirt' && versionNumber(host.header.libvirt.version) < 11_000) {
				fail(
					'vlan-method',
					`vlan-method: <vlan> on a Linux-bridge network needs libvirt 11.0 or newer (this host has ${host.header.libvirt.version ?? 'an unknown version'})`,
				);
			}
			if (text === 'subinterface' && vlanIds.length > 1)
				fail('vlan', 'vlan: a host VLAN sub-interface carries one VLAN; use vlan-method ovs for a trunk');
			if (
				text === 'subinterface' &&
				uplinkCheck.nic &&
				vlanIds.length === 1 &&
				Buffer.byteLength(`${uplinkCheck.nic.name}.${vlanIds[0]}`) > 15
			) {
				fail('vlan', `vlan: the sub-interface ${uplinkCheck.nic.name}.${vlanIds[0]} would be longer than 15 bytes`);
			}
		}
	}

	let vfCount: number | undefined;
	if (uses('vf-count')) {
		const text = get('vf-count');
		const total = uplinkCheck.nic?.sriov?.totalVfs;
		if (!/^\d+$/.test(text) || Number(text) < 1 || (total !== undefined && Number(text) > total)) {
			fail(
				'vf-count',
				`vf-count: a whole number from 1 to ${total ?? 'what the NIC supports'}${total !== undefined ? ` (what ${uplinkCheck.nic!.name} supports)` : ''}`,
			);
		} else vfCount = Number(text);
	}

	let pci: string | undefined;
	if (uses('pci')) {
		const text = get('pci').toLowerCase();
		const owner = host.nics.find((n) => n.busAddress === text);
		if (!/^[\da-f]{4}:[\da-f]{2}:[\da-f]{2}\.[0-7]$/.test(text))
			fail('pci', `pci: "${get('pci')}" is not a PCI address; write dddd:bb:ss.f, e.g. 0000:03:00.0`);
		else if (!owner) fail('pci', `pci: no network device at ${text} on this host`);
		else if (owner.name === host.header.ssh?.interface)
			fail('pci', `pci: ${text} is ${owner.name}, which carries your SSH session; the host would lose it to the VM`);
		else if (nicUsers(host, owner).length > 0)
			fail(
				'pci',
				`pci: ${text} is ${owner.name}, and ${nicUsers(host, owner).join('; ')}: passed through, it leaves the host and takes them with it (pick a NIC nothing uses)`,
			);
		else pci = text;
	}

	const autostartText = get('autostart') || 'yes';
	if (uses('autostart') && autostartText !== 'yes' && autostartText !== 'no')
		fail('autostart', `autostart: "${autostartText}" is not yes or no`);

	const vms: Vm[] = [];
	if (uses('vms') && get('vms') !== '') {
		for (const vmName of get('vms')
			.split(',')
			.map((v) => v.trim())
			.filter(Boolean)) {
			const vm = host.vms.find((v) => v.name === vmName);
			if (!vm)
				fail(
					'vms',
					`vms: there is no VM named "${vmName}" (VMs here: ${host.vms.map((v) => v.name).join(', ') || 'none'})`,
				);
			else if (vms.includes(vm)) fail('vms', `vms: ${vmName} is listed twice`);
			else vms.push(vm);
		}
	}

	const model = get('model') || 'virtio';
	if (uses('model') && !nicModels.includes(model))
		fail('model', `model: "${model}" is not one of ${nicModels.join(', ')}`);

	const mac = get('mac');
	if (mac !== '') fail('mac', checkMac(mac.toLowerCase()));

	if (errors.length > 0)
		return {errors: errors.sort((a, b) => fieldIds.indexOf(a.field as FieldId) - fieldIds.indexOf(b.field as FieldId))};
	const valid: ValidParams = {name, bridge, vlanIds, vlanMethod, autostart: autostartText === 'yes', vms, model};
	if (uplinkCheck.nic) valid.uplink = uplinkCheck.nic;
	if (subnet) valid.subnet = subnet;
	if (gateway !== undefined) valid.gateway = gateway;
	if (dhcp) valid.dhcp = dhcp;
	if (ipv6) valid.ipv6 = ipv6;
	if (domain) valid.domain = domain;
	if (vfCount !== undefined) valid.vfCount = vfCount;
	if (pci) valid.pci = pci;
	if (mac) valid.mac = mac.toLowerCase();
	return {valid, errors: []};
}
