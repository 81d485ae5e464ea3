// The host header: who and what this machine is. systeminformation answers OS, CPU flags and memory;
// its network calls are not used (they block the event loop and miss down links).
import {access} from 'node:fs/promises';
import {hostname, release} from 'node:os';
import type {HostHeader} from '../core/model.js';

export type MachineFacts = Pick<HostHeader, 'os' | 'kernel' | 'cpuVirtualization' | 'kvmDevice' | 'memoryBytes'>;

export async function scanMachine(): Promise<MachineFacts> {
	// Loaded on first use: it is a large module, and the demo and --version never need it.
	const {default: si} = await import('systeminformation');
	const [os, flags, memory, kvmDevice] = await Promise.all([
		si.osInfo().catch(() => undefined),
		si.cpuFlags().catch(() => ''),
		si.mem().catch(() => undefined),
		access('/dev/kvm').then(
			() => true,
			() => false,
		),
	]);
	const flagList = flags.split(/\s+/);
	const facts: MachineFacts = {kvmDevice, kernel: os?.kernel || release()};
	if (os?.distro) facts.os = [os.distro, os.release].filter(Boolean).join(' ');
	if (flagList.includes('vmx')) facts.cpuVirtualization = 'vmx';
	else if (flagList.includes('svm')) facts.cpuVirtualization = 'svm';
	if (memory?.total) facts.memoryBytes = memory.total;
	return facts;
}

export const localHostname = () => hostname();
export const runningAsRoot = () => process.getuid?.() === 0;
