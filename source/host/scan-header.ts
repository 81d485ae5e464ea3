// The host header: who and what this machine is. systeminformation answers the CPU flags and memory; the OS name
// comes from /etc/os-release directly, because si.osInfo() spawns several programs (~100 ms, measured) for
// facts the header does not show. systeminformation's network calls are not used at all: they block the event
// loop and miss down links.
import {access, readFile} from 'node:fs/promises';
import {hostname, release} from 'node:os';
import type {HostHeader} from '../core/model.js';

export type MachineFacts = Pick<HostHeader, 'os' | 'kernel' | 'cpuVirtualization' | 'kvmDevice' | 'memoryBytes'>;

/** PRETTY_NAME from an os-release file ("Debian GNU/Linux 12 (bookworm)"). */
export function parseOsRelease(text: string): string | undefined {
	const match = /^PRETTY_NAME=(?:"([^"]*)"|'([^']*)'|(.*))$/m.exec(text);
	return match ? (match[1] ?? match[2] ?? match[3])?.trim() || undefined : undefined;
}

export async function scanMachine(): Promise<MachineFacts> {
	// Only systeminformation's cpu and memory modules, loaded on first use: the whole package blocks the event
	// loop ~40 ms while it loads, and the demo and --version never need it.
	const [{default: cpu}, {default: memoryModule}] = await Promise.all([import('systeminformation/lib/cpu.js'), import('systeminformation/lib/memory.js')]);
	const [osRelease, flags, memory, kvmDevice] = await Promise.all([
		readFile('/etc/os-release', 'utf8').catch(() => readFile('/usr/lib/os-release', 'utf8').catch(() => '')),
		cpu.cpuFlags().catch(() => ''),
		memoryModule.mem().catch(() => undefined),
		access('/dev/kvm').then(
			() => true,
			() => false,
		),
	]);
	const flagList = flags.split(/\s+/);
	const facts: MachineFacts = {kvmDevice, kernel: release()};
	const os = parseOsRelease(osRelease);
	if (os) facts.os = os;
	if (flagList.includes('vmx')) facts.cpuVirtualization = 'vmx';
	else if (flagList.includes('svm')) facts.cpuVirtualization = 'svm';
	if (memory?.total) facts.memoryBytes = memory.total;
	return facts;
}

export const localHostname = () => hostname();
export const runningAsRoot = () => process.getuid?.() === 0;
