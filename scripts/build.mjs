// Builds dist/cli.js: one minified ESM bundle (a single file loads faster than hundreds of modules), plus the
// demo host files beside it. `--if-stale` skips the build when dist is newer than every source file.
import {build} from 'esbuild';
import {cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {join} from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist/cli.js');

function newestSource(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const path = join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
	}
	return newest;
}

if (process.argv.includes('--if-stale') && existsSync(out)) {
	const built = statSync(out).mtimeMs;
	if (built > newestSource(join(root, 'source')) && built > newestSource(join(root, 'screens'))) process.exit(0);
}

rmSync(join(root, 'dist'), {recursive: true, force: true});
await build({
	entryPoints: [join(root, 'source/cli.tsx')],
	outdir: join(root, 'dist'),
	entryNames: '[name]',
	// The interactive app and systeminformation are loaded with import() only when needed: separate chunks.
	splitting: true,
	chunkNames: 'chunks/[name]-[hash]',
	bundle: true,
	minify: true,
	platform: 'node',
	target: 'node20',
	format: 'esm',
	jsx: 'automatic',
	// Ink loads its devtools (which import react-devtools-core, not a dependency) only when DEV=true.
	plugins: [
		{
			// yoga-layout (Ink's layout engine) loads its inline WebAssembly through fetch() whenever fetch exists,
			// and on Node that first use of fetch loads undici: ~20 ms of the first frame, for a data: URL. Without
			// fetch, its loader decodes the same bytes itself (yoga's import: 30 ms -> 10 ms).
			name: 'yoga-without-fetch',
			setup(b) {
				b.onLoad({filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, ({path}) => {
					const source = readFileSync(path, 'utf8');
					const test = '"function"!=typeof fetch?';
					if (!source.includes(test))
						throw new Error(`yoga-layout changed: ${test} is not in ${path}; see scripts/build.mjs`);
					return {contents: source.replace(test, 'true?'), loader: 'js'};
				});
			},
		},
		{
			name: 'no-devtools',
			setup(b) {
				b.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'stub'}));
				b.onLoad({filter: /.*/, namespace: 'stub'}, () => ({contents: 'export default {connectToDevTools() {}};'}));
			},
		},
	],
	define: {'process.env.NODE_ENV': '"production"'},
	// Bundled CommonJS code (systeminformation, signal-exit) calls require(); give the ESM bundle one.
	banner: {
		js: "import {createRequire as __kvmnetRequire} from 'node:module'; const require = __kvmnetRequire(import.meta.url);",
	},
	logLevel: 'warning',
});
cpSync(join(root, 'source/demo'), join(root, 'dist/demo'), {recursive: true});
