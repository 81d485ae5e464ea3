// Parsers for the machine header's files: /etc/os-release and /proc/cpuinfo.

/** PRETTY_NAME from an os-release file ("Debian GNU/Linux 12 (bookworm)"). */
export function parseOsRelease(text: string): string | undefined {
	const match = /^PRETTY_NAME=(?:"([^"]*)"|'([^']*)'|(.*))$/m.exec(text);
	return match ? (match[1] ?? match[2] ?? match[3])?.trim() || undefined : undefined;
}

/** The first "flags" line of /proc/cpuinfo (every CPU has the same): "fpu vme … vmx …". */
export function cpuFlags(cpuinfo: string): string {
	return /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? '';
}
