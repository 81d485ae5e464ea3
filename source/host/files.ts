// Reading the host's files without throwing: a fact that is not there is undefined (or false), never an error,
// since most of what the scans read is optional (sysfs attributes, /etc files, /proc entries).
import {access, readFile} from 'node:fs/promises';

export const readText = (path: string) => readFile(path, 'utf8').catch(() => undefined);

export const exists = (path: string) =>
	access(path).then(
		() => true,
		() => false,
	);
