// Files shipped with kvmnet (the demo host). They sit in source/demo/ when running from source and in
// dist/demo/ in the built bundle, so look beside this module and one level up.
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

export function packagedFile(relative: string): string {
	for (const base of ['./', '../']) {
		const path = fileURLToPath(new URL(`${base}${relative}`, import.meta.url));
		if (existsSync(path)) return path;
	}
	throw new Error(`kvmnet is missing its packaged file ${relative}: reinstall it or run "npm run build"`);
}
