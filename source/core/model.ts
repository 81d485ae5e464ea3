// The host model: everything kvmnet knows about a host, as plain data.
// Parsers fill it, screens and the text report read it; nothing here does I/O.

export type NicKind =
	| 'loopback'
	| 'physical'
	| 'wireless'
	| 'bridge'
	| 'ovs'
	| 'veth'
	| 'tap'
	| 'tun'
	| 'macvtap'
	| 'macvlan'
	| 'vlan'
	| 'bond'
	| 'vxlan'
	| 'dummy'
	| 'virtual';

export interface IpAddress {
	family: 'ipv4' | 'ipv6';
	address: string;
	prefix: number;
	scope?: string;
	dynamic?: boolean;
	/** How the address was added (`ip addr add … nodad`): a move to a bridge, or an undo, adds it the same way. */
	options?: ('nodad' | 'noprefixroute' | 'home' | 'mngtmpaddr')[];
}

export interface SriovInfo {
	totalVfs: number;
	numVfs: number;
}

export interface Nic {
	name: string;
	index: number;
	kind: NicKind;
	/** macvtap/macvlan mode, tap/tun, vlan id, bond mode: the detail that matters for the kind. */
	kindDetail?: string;
	/** Operational state as the kernel reports it, lower case: up, down, lowerlayerdown, unknown, dormant. */
	state: string;
	adminUp: boolean;
	carrier: boolean;
	mac?: string;
	mtu: number;
	speedMbps?: number;
	driver?: string;
	/** Bus address of the device (PCI address for most physical NICs). */
	busAddress?: string;
	addresses: IpAddress[];
	/** The bridge, bond or OVS datapath this link is enslaved to. */
	master?: string;
	/** The lower device: the other end of a veth, the parent of a macvtap/macvlan/vlan. */
	parent?: string;
	/** Whether the parent is in another network namespace (veth peers across namespaces). */
	parentInOtherNamespace?: boolean;
	/** Port state when enslaved to a Linux bridge: forwarding, blocking, disabled, listening, learning. */
	bridgePortState?: string;
	vlanId?: number;
	/** Spanning tree on, for a Linux bridge. */
	stp?: boolean;
	wireless: boolean;
	sriov?: SriovInfo;
}

export interface BridgePort {
	name: string;
	state?: string;
	/** OVS access tag. */
	tag?: number;
	/** OVS trunk list. */
	trunks?: number[];
	/** OVS interface type (internal, patch, vxlan…) when not a plain system port. */
	ovsType?: string;
}

export interface Bridge {
	name: string;
	type: 'linux' | 'ovs';
	ports: BridgePort[];
	stp?: boolean;
	state?: string;
	addresses: IpAddress[];
	/** OVS datapath type (system or netdev). */
	datapath?: string;
}

export type NetworkMode =
	| 'nat'
	| 'route'
	| 'open'
	| 'isolated'
	| 'bridge'
	| 'macvtap-bridge'
	| 'macvtap-private'
	| 'macvtap-vepa'
	| 'macvtap-passthrough'
	| 'hostdev'
	| 'ovs'
	| 'unknown';

export interface VlanTag {
	id: number;
	nativeMode?: string;
}

export interface VlanSpec {
	tags: VlanTag[];
	trunk: boolean;
}

export interface Portgroup {
	name: string;
	isDefault: boolean;
	vlan?: VlanSpec;
}

export interface DhcpRange {
	start: string;
	end: string;
}

export interface DhcpHost {
	ip: string;
	mac?: string;
	name?: string;
}

export interface NetworkIp {
	family: 'ipv4' | 'ipv6';
	address: string;
	prefix: number;
	dhcpRanges: DhcpRange[];
	dhcpHosts: DhcpHost[];
}

export interface LibvirtNetwork {
	name: string;
	uuid?: string;
	active: boolean;
	autostart: boolean;
	persistent: boolean;
	mode: NetworkMode;
	/** The Linux or OVS bridge libvirt attaches guests to, when the mode has one. */
	bridge?: string;
	/** `<forward dev=…>`: the host NIC traffic leaves by (nat/route), or the macvtap parent. */
	forwardDev?: string;
	/** `<forward><interface dev=…/>` pool for macvtap networks. */
	forwardInterfaces: string[];
	/** `<forward><pf dev=…/>` for an SR-IOV pool. */
	pfDev?: string;
	/** `<forward><address …/>` VF list for an SR-IOV pool. */
	hostdevAddresses: string[];
	ips: NetworkIp[];
	domain?: string;
	vlan?: VlanSpec;
	portgroups: Portgroup[];
	virtualport?: string;
	xml: string;
}

export interface VmInterface {
	/** network, bridge, direct, hostdev, user, ethernet, vhostuser… */
	type: string;
	/** Network name, bridge name, macvtap parent or PCI address, depending on type. */
	source?: string;
	/** macvtap mode for type=direct. */
	sourceMode?: string;
	portgroup?: string;
	model?: string;
	mac?: string;
	/** The host-side device (vnetN, macvtapN) while the VM runs. */
	target?: string;
	virtualport?: string;
	vlan?: VlanSpec;
}

export interface Vm {
	name: string;
	uuid?: string;
	state: string;
	persistent?: boolean;
	autostart?: boolean;
	interfaces: VmInterface[];
	xml: string;
}

export interface Route {
	destination: string;
	gateway?: string;
	dev?: string;
	table?: string;
	type?: string;
	protocol?: string;
	prefsrc?: string;
}

/** The libvirt URI when neither --connect nor LIBVIRT_DEFAULT_URI names one (virsh's own default for root). */
export const defaultLibvirtUri = 'qemu:///system';

export interface LibvirtStatus {
	uri: string;
	reachable: boolean;
	version?: string;
	hypervisor?: string;
	error?: string;
	/** Set when virsh did not answer in time (a hung libvirtd): "virsh did not answer within 30 s (KVMNET_TIMEOUT)". */
	timeout?: string;
}

export interface SshSession {
	clientAddress: string;
	serverAddress?: string;
	/** The interface the route to the client leaves by: the link that must not be cut. */
	interface?: string;
	error?: string;
}

export interface HostHeader {
	hostname: string;
	os?: string;
	kernel?: string;
	cpuVirtualization?: 'vmx' | 'svm';
	kvmDevice: boolean;
	memoryBytes?: number;
	isRoot: boolean;
	libvirt: LibvirtStatus;
	ssh?: SshSession;
	/** How kvmnet reaches a host it does not run on; absent for this machine. */
	remote?: RemoteAccess;
}

export interface RemoteAccess {
	/** "ssh root@kvm2", or "tls to kvm2 (libvirt only, no shell)". */
	via: string;
	/** Whether the host's own facts (NICs, bridges, sysctls, firewall) could be read, and its commands run. */
	hostFacts: boolean;
	/** Why not, when not: "host facts unavailable over tls: …". */
	why?: string;
}

export interface Problem {
	/** What part of the scan it concerns: nics, libvirt, ovs, header. */
	area: string;
	message: string;
	/** Set when the problem is a tool that did not answer in time: which tool, within how long, and what sets it. */
	timeout?: string;
}

export interface ConfigFile {
	path: string;
	text?: string;
}

export type NetworkManagerKind = 'networkmanager' | 'netplan' | 'ifupdown' | 'iproute2';

/** What the host can do beyond its current state: decides which modes are possible and how host steps are made. */
export interface HostCapabilities {
	/** Number of IOMMU groups (/sys/kernel/iommu_groups): 0 means no PCI passthrough or SR-IOV for VMs. */
	iommuGroups: number;
	ovs: 'missing' | 'stopped' | 'running';
	networkManager: {
		kind: NetworkManagerKind;
		/** Why kvmnet thinks this manager owns the host's network, in words for the preview. */
		reason: string;
		/** NetworkManager's active connection name per device, to bring back on undo. */
		connections: Record<string, string>;
		/** The DNS servers and search domains NetworkManager has on each device (`nmcli device show`). */
		dns?: Record<string, {servers: string[]; search: string[]}>;
		/**
		 * The manager's own files that host steps rewrite (netplan's /etc/netplan/*.yaml, ifupdown's
		 * /etc/network/interfaces), with their text; no text when kvmnet could not read one (they are 0600 for root).
		 */
		files?: ConfigFile[];
	};
}

export interface HostModel {
	source: 'live' | 'demo';
	/** Why the demo is shown, when it was not asked for. */
	demoReason?: string;
	header: HostHeader;
	nics: Nic[];
	bridges: Bridge[];
	networks: LibvirtNetwork[];
	vms: Vm[];
	routes: Route[];
	capabilities: HostCapabilities;
	problems: Problem[];
	scan: {
		/** Every command the scan ran, as argv. */
		commands: string[][];
		milliseconds: number;
	};
}
