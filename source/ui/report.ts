// The host header as lines of text, and the whole inventory as plain text for pipes and scripts.
import type {HostModel} from '../core/model.js';
import {visible} from '../core/visible.js';
import {buildTables, formatBytes, formatCells, tabs} from './views.js';

/** " on kvm2" for a remote host, nothing for this one: titles that show a host's facts say whose they are. */
export const onRemoteHost = (model: HostModel | undefined) =>
	model?.header.remote ? ` on ${model.header.hostname}` : '';

export function headerLines(model: HostModel): string[] {
	const h = model.header;
	const virt = h.cpuVirtualization === 'vmx' ? 'VT-x' : h.cpuVirtualization === 'svm' ? 'AMD-V' : 'no VT-x/AMD-V';
	// Whether kvmnet can change anything comes right after the name: at 80 columns the line's end is cut.
	// A remote host whose own facts could not be read: nothing is said of its hardware (none of it was read).
	const unread = h.remote !== undefined && !h.remote.hostFacts;
	const machine = [
		h.hostname,
		h.remote ? `remote via ${h.remote.via}` : undefined,
		...(unread
			? ['host facts unavailable']
			: [
					h.isRoot ? 'root' : 'not root: read-only',
					`${virt}${h.kvmDevice ? ' /dev/kvm' : ', no /dev/kvm'}`,
					formatBytes(h.memoryBytes),
					h.os,
					h.kernel,
				]),
	]
		.filter(Boolean)
		.join(' · ');
	const libvirt = h.libvirt.reachable
		? `libvirt ${h.libvirt.version ?? '?'} at ${h.libvirt.uri}`
		: h.libvirt.timeout
			? `libvirt at ${h.libvirt.uri} may be hung (virsh did not answer)`
			: `libvirt not reachable at ${h.libvirt.uri}`;
	// The SSH path comes first: it is what a remote user must not cut.
	const ssh = h.ssh
		? `SSH from ${h.ssh.clientAddress} ${h.ssh.interface ? `via ${h.ssh.interface}` : `(${h.ssh.error ?? 'interface unknown'})`} · `
		: '';
	return [visible(machine), visible(`${ssh}${libvirt}`)];
}

export function textReport(model: HostModel): string {
	const out: string[] = [];
	if (model.source === 'demo')
		out.push(`DEMO HOST${model.demoReason ? `: ${model.demoReason}` : ' (kvmnet --demo): not this machine'}`, '');
	out.push(...headerLines(model), '');
	if (model.header.remote?.why) out.push(`REMOTE HOST: ${model.header.remote.why}`, '');
	const tables = buildTables(model);
	// Topology last: it reads best after the lists it joins together.
	for (const id of ['nics', 'bridges', 'networks', 'vms', 'topology'] as const) {
		const t = tables[id];
		const title = tabs.find((tab) => tab.id === id)!.title;
		out.push(`== ${title} (${t.rows.length}) ==`);
		if (t.columns.length > 1) out.push(formatCells(t.columns, t.widths));
		for (const row of t.rows) out.push(formatCells(row.cells, t.widths));
		out.push('');
	}
	if (model.problems.length > 0) {
		out.push('== Problems ==', ...model.problems.map((p) => `${p.area}: ${p.message}`), '');
	}
	// Each line is one line: a control character from the host (ESC, BEL, a newline in a message) is shown, not sent.
	return out.map((line) => visible(line)).join('\n');
}
