// The host header: who and what this machine is. The OS name comes from /etc/os-release directly, because
// si.osInfo() spawns several programs (~100 ms, measured) for facts the header does not show; the CPU flags come from
// /proc/cpuinfo, because si.cpuFlags() runs lscpu through a shell, outside the runner and its timeout (lscpu prints
// the same flags line). systeminformation answers the memory (it reads /proc/meminfo). Its network calls are not
// used at all: they block the event loop and miss down links. A remote host's header comes from its own files (one
// batch) and from what its side of the ssh session said (hostname, uid, kernel).
import {access, readFile} from 'node:fs/promises';
import {hostname, release} from 'node:os';
import type {HostHeader} from '../core/model.js';
import {cpuFlags, parseOsRelease} from '../core/parse-os.js';
import type {Runner} from './runner.js';

export type MachineFacts = Pick<HostHeader, 'os' | 'kernel' | 'cpuVirtualization' | 'kvmDevice' | 'memoryBytes'>;

export async function scanMachine(): Promise<MachineFacts> {
	// Only systeminformation's memory module, loaded on first use: the whole package blocks the event loop ~40 ms
	// while it loads, and the demo and --version never need it.
	const {default: memoryModule} = await import('systeminformation/lib/memory.js');
	const [osRelease, flags, memory, kvmDevice] = await Promise.all([
		readFile('/etc/os-release', 'utf8').catch(() => readFile('/usr/lib/os-release', 'utf8').catch(() => '')),
		readFile('/proc/cpuinfo', 'utf8').then(cpuFlags, () => ''),
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

const hostOf = (runner: Runner) => {
	const connection = runner.transport.connection;
	return connection.kind === 'ssh'
		? connection.ssh.host
		: connection.kind === 'no-shell'
			? connection.host
			: 'localhost';
};

/** A remote host's header facts, read through its transport (one batch of file reads). */
export async function scanRemoteMachine(
	runner: Runner,
): Promise<MachineFacts & Pick<HostHeader, 'hostname' | 'isRoot'>> {
	// The files are asked with the session, not after its answer (that would be a round trip or two more).
	const [session, osRelease, fallbackOs, cpuinfo, meminfo, kvmDevice] = await Promise.all([
		runner.session(),
		runner.files.read('/etc/os-release'),
		runner.files.read('/usr/lib/os-release'),
		runner.files.read('/proc/cpuinfo'),
		runner.files.read('/proc/meminfo'),
		runner.files.exists('/dev/kvm'),
	]);
	const facts = 'error' in session ? {} : session;
	const flagList = cpuFlags(cpuinfo ?? '').split(/\s+/);
	const machine: MachineFacts & Pick<HostHeader, 'hostname' | 'isRoot'> = {
		hostname: facts.hostname ?? hostOf(runner),
		isRoot: facts.uid === 0,
		kvmDevice,
	};
	if (facts.kernel) machine.kernel = facts.kernel;
	const os = parseOsRelease(osRelease ?? fallbackOs ?? '');
	if (os) machine.os = os;
	if (flagList.includes('vmx')) machine.cpuVirtualization = 'vmx';
	else if (flagList.includes('svm')) machine.cpuVirtualization = 'svm';
	const memoryKiB = /^MemTotal:\s+(\d+)\s+kB/m.exec(meminfo ?? '')?.[1];
	if (memoryKiB) machine.memoryBytes = Number(memoryKiB) * 1024;
	return machine;
}
