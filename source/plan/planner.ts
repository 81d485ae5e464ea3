// From a mode and its parameters to a plan: check everything against the host, build the XML, and list every
// command in order with its undo. Pure: the caller passes the host model, the libvirt URI and the plan folder.
import {virshUriFor} from '../core/connection.js';
import {createHash} from 'node:crypto';
import {findMode, modes} from '../modes/catalog.js';
import {hostChangeSteps} from './host-steps/index.js';
import {HostStepRefusal} from './host-steps/shared.js';
import type {ModeDefinition} from '../modes/types.js';
import {fieldIds, validateFields, type FieldId, type Params} from '../core/fields.js';
import type {HostModel} from '../core/model.js';
import {escapeRegExp, type FieldError, type Plan, type PlanStep} from '../core/plan.js';
import {hostdevPattern, interfaceXml, networkXml} from '../core/xml-build.js';

export interface PlanOptions {
	uri: string;
	/** Folder for the plan's XML files (written when it is applied or saved), given the network's name. */
	directory: (name: string) => string;
}

/** The mode's defaults for this host, overridden by what the user gave. */
export function withDefaults(mode: ModeDefinition, given: Params, host: HostModel): Params {
	const params: Params = {...mode.defaults(host, given)};
	for (const [key, value] of Object.entries(given)) if (value !== undefined) params[key as FieldId] = value;
	return params;
}

/** A stable locally administered MAC for a VM's new interface, so undo can detach exactly that interface. */
export function planMac(vm: string, network: string): string {
	const hash = createHash('sha256').update(`${vm}\0${network}`).digest();
	return `52:54:00:${[hash[0]!, hash[1]!, hash[2]!].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

export function modeError(id: string, host: HostModel): FieldError | undefined {
	const mode = findMode(id);
	if (!mode)
		return {field: 'mode', message: `mode: "${id}" is not a mode; the modes are: ${modes.map((m) => m.id).join(', ')}`};
	const reason = mode.unavailable(host);
	return reason ? {field: 'mode', message: `mode: ${mode.title} is not possible on this host: ${reason}`} : undefined;
}

/**
 * Every default and rule (a free subnet, bridge name or uplink) is checked against the host's links, addresses
 * and routes; when the scan could not read them (a problem in area 'nics'), nothing can be checked, so nothing is
 * planned, rather than a subnet that may overlap the host's own LAN.
 */
export function hostFactsError(host: HostModel): FieldError | undefined {
	const problem = host.problems.find((p) => p.area === 'nics');
	if (!problem) return undefined;
	return {
		field: 'host',
		message: `host: this host's network interfaces and routes could not be read (${problem.message}), so no subnet, bridge or uplink can be checked against them; nothing is planned until kvmnet inventory lists them`,
	};
}

export function makePlan(
	modeId: string,
	given: Params,
	host: HostModel,
	options: PlanOptions,
): {plan?: Plan; errors: FieldError[]} {
	const unreadable = hostFactsError(host);
	if (unreadable) return {errors: [unreadable]};
	const refused = modeError(modeId, host);
	if (refused) return {errors: [refused]};
	const mode = findMode(modeId)!;
	const unknown = Object.keys(given).filter((key) => !mode.rules.fields.includes(key as FieldId));
	if (unknown.length > 0) {
		return {
			errors: unknown.map((key) => ({
				field: key,
				message: `${key}: ${fieldIds.includes(key as FieldId) ? `mode ${mode.id} does not use this field` : 'there is no such field'} (its fields: ${mode.rules.fields.join(', ')})`,
			})),
		};
	}
	const params = withDefaults(mode, given, host);
	// A name with a control character (a link named with an escape sequence) is refused here, as apply refuses it in
	// a plan file: such a name would reach a log, a script and the journal's lines.

	const controlled = Object.entries(params).filter(
		([, value]) => value !== undefined && /[\u0000-\u001f\u007f-\u009f]/.test(value),
	);
	if (controlled.length > 0)
		return {
			errors: controlled.map(([field]) => ({
				field,
				message: `${field}: holds a control character (an escape, a newline…): kvmnet plans use no such names; rename it on the host or pick another`,
			})),
		};
	const {valid, errors} = validateFields(mode.rules, params, host);
	if (!valid) return {errors};
	const modeErrors = mode.check?.(valid, host) ?? [];
	if (modeErrors.length > 0) return {errors: modeErrors};

	const built = mode.build(valid, host);
	const directory = options.directory(valid.name || (valid.vms[0]?.name ?? mode.id));
	// Steps run on the host itself (over ssh for a remote one), so virsh there gets the host's own form of the URI.
	const commandUri = virshUriFor(options.uri);
	const virsh = (...args: string[]) => ['virsh', '-c', commandUri, ...args];
	// Names go to virsh in the option form (`--network NAME`, `--domain NAME`): a VM's name comes from the host, and
	// given positionally one that starts with '-' (`--all`) would be read as an option.
	let steps: PlanStep[];
	try {
		steps = built.hostChanges.flatMap((change) => hostChangeSteps(change, host));
	} catch (error) {
		if (error instanceof HostStepRefusal) return {errors: [{field: error.field, message: error.message}]};
		throw error;
	}
	let networkText: string | undefined;
	if (built.network) {
		networkText = networkXml(built.network);
		const name = built.network.name;
		const file = `${directory}/network-${name}.xml`;
		const info = virsh('net-info', '--network', name);
		steps.push(
			{
				title: `Define libvirt network ${name}`,
				writes: [{path: file, content: `${networkText}\n`}],
				run: virsh('net-define', '--file', file),
				undo: virsh('net-undefine', '--network', name),
				verify: {run: info, pattern: `Name:\\s+${escapeRegExp(name)}\\n`, proves: `libvirt knows network ${name}`},
			},
			{
				title: `Start network ${name}`,
				run: virsh('net-start', '--network', name),
				undo: virsh('net-destroy', '--network', name),
				verify: {run: info, pattern: 'Active:\\s+yes', proves: `network ${name} is active`},
			},
		);
		if (valid.autostart) {
			steps.push({
				title: `Start ${name} at boot`,
				run: virsh('net-autostart', '--network', name),
				undo: virsh('net-autostart', '--network', name, '--disable'),
				verify: {run: info, pattern: 'Autostart:\\s+yes', proves: `network ${name} starts at boot`},
			});
		}
	}
	for (const vm of valid.vms) {
		const file = `${directory}/interface-${vm.name}.xml`;
		const flags = vm.state === 'running' ? ['--config', '--live'] : ['--config'];
		const when = vm.state === 'running' ? ' (now and at next boot)' : '';
		const inactive = vm.state === 'running' ? [] : ['--inactive'];
		if (built.vmInterface.type === 'pci') {
			// A <hostdev> has no MAC (the guest sees the NIC's own); undo detaches it by its PCI address.
			const spec = built.vmInterface;
			steps.push({
				title: `Pass PCI device ${spec.pciAddress} through to VM ${vm.name}${when}`,
				writes: [{path: file, content: `${interfaceXml(spec)}\n`}],
				run: virsh('attach-device', '--domain', vm.name, '--file', file, ...flags),
				undo: virsh('detach-device', '--domain', vm.name, '--file', file, ...flags),
				verify: {
					run: virsh('dumpxml', '--domain', vm.name, ...inactive),
					pattern: hostdevPattern(spec.pciAddress ?? ''),
					proves: `VM ${vm.name} has PCI device ${spec.pciAddress}`,
				},
			});
			continue;
		}
		// Each VM's interface gets a fixed MAC so that undo detaches exactly the interface the plan added.
		const spec = {...built.vmInterface, mac: built.vmInterface.mac ?? planMac(vm.name, built.network?.name ?? '')};
		steps.push({
			title: `Attach a NIC on ${spec.network} to VM ${vm.name}${when}`,
			writes: [{path: file, content: `${interfaceXml(spec)}\n`}],
			run: virsh('attach-device', '--domain', vm.name, '--file', file, ...flags),
			undo: virsh('detach-device', '--domain', vm.name, '--file', file, ...flags),
			verify: {
				run: virsh('domiflist', '--domain', vm.name, ...inactive),
				pattern: spec.mac,
				proves: `VM ${vm.name} has the interface ${spec.mac}`,
			},
		});
	}
	const warnings = [...built.warnings];
	const touchesSsh = steps.filter((s) => s.touchesSsh);
	if (touchesSsh.length > 0) {
		const changes = `${touchesSsh.length} step${touchesSsh.length > 1 ? 's change' : ' changes'} ${host.header.ssh?.interface}`;
		warnings.unshift(
			host.header.remote
				? `${changes}, which carries kvmnet's own ssh connection to ${host.header.hostname}. kvmnet applies it on ${host.header.hostname} itself, with a guard there that restores the network unless you confirm, over a new connection, that it still works.`
				: `${changes}, which carries your SSH session. Run kvmnet inside tmux or screen, or from a console; apply keeps a guard that restores the network unless you confirm it still works.`,
		);
	}
	if (built.hostChanges.length > 0 && host.capabilities.networkManager.kind === 'iproute2')
		warnings.push(
			"The host changes are made with ip and are lost at reboot: add them to your distribution's network configuration to keep them.",
		);
	if (valid.vms.length === 0)
		warnings.push(
			'No VM is attached: add the VM <interface> shown in the preview to a VM (virsh edit VM), or pick VMs in the form.',
		);
	const plan: Plan = {
		version: 1,
		mode: mode.id,
		params: Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string>,
		uri: options.uri,
		manager: {kind: host.capabilities.networkManager.kind, reason: host.capabilities.networkManager.reason},
		directory,
		interfaceXml: interfaceXml(built.vmInterface),
		steps,
		warnings,
	};
	if (networkText) plan.networkXml = networkText;
	return {plan, errors: []};
}
