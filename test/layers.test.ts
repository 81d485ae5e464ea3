// The architecture, kept by a test (like gemini-cli's no-restricted-imports): every file's imports are read and each
// folder may import only from the layers below it. core → modes → plan → host → ui → components/hooks → screens →
// the entry files. The core does no I/O (no fs, no processes, no network); screens, components and ui never reach the
// host layer (they render state and dispatch actions). A new file lands in a layer by its folder.
import {readFileSync} from 'node:fs';
import {execFileSync} from 'node:child_process';
import {dirname, join, normalize} from 'node:path';
import {describe, expect, it} from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'source', 'screens'], {
	cwd: root,
	encoding: 'utf8',
})
	.split('\n')
	.filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'));

const layers = ['core', 'modes', 'plan', 'host', 'ui', 'components', 'hooks', 'screens', 'entry'] as const;
type Layer = (typeof layers)[number];
/** The rank of each layer: a file may import files of its own rank or lower. components and hooks share one. */
const rank: Record<Layer, number> = {
	core: 0,
	modes: 1,
	plan: 2,
	host: 3,
	ui: 4,
	components: 5,
	hooks: 5,
	screens: 6,
	entry: 7,
};

function layerOf(file: string): Layer {
	if (file.startsWith('screens/')) return 'screens';
	const folder = /^source\/([^/]+)\//.exec(file)?.[1];
	return (layers as readonly string[]).includes(folder ?? '') ? (folder as Layer) : 'entry';
}

function imports(file: string): {spec: string; typeOnly: boolean}[] {
	const text = readFileSync(join(root, file), 'utf8');
	return [...text.matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/gm)].map((m) => ({
		spec: m[2] ?? m[3]!,
		typeOnly: Boolean(m[1]),
	}));
}

/** Whether `file` importing `target` goes up the layers. */
const crosses = (file: string, target: string) => rank[layerOf(target)] > rank[layerOf(file)];

const ioModules = [
	'node:fs',
	'node:fs/promises',
	'node:child_process',
	'node:net',
	'node:readline',
	'execa',
	'systeminformation',
];

describe('layers', () => {
	it('finds the files of every layer', () => {
		const seen = new Set(files.map(layerOf));
		for (const layer of layers) expect(seen.has(layer), layer).toBe(true);
	});

	it('no file imports a layer above its own', () => {
		const wrong: string[] = [];
		for (const file of files) {
			for (const {spec} of imports(file)) {
				if (!spec.startsWith('.')) continue;
				const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
				if (rank[layerOf(target)] > rank[layerOf(file)])
					wrong.push(`${file} (${layerOf(file)}) imports ${target} (${layerOf(target)})`);
			}
		}
		expect(wrong).toEqual([]);
	});

	it('the core, the modes and the plan do no I/O', () => {
		const wrong = files
			.filter((f) => rank[layerOf(f)] <= rank.plan)
			.flatMap((file) =>
				imports(file)
					.filter(({spec, typeOnly}) => !typeOnly && ioModules.includes(spec))
					.map(({spec}) => `${file} imports ${spec}`),
			);
		expect(wrong).toEqual([]);
	});

	it('ui, components and screens never reach the host layer; hooks only for its types', () => {
		const wrong: string[] = [];
		for (const file of files) {
			const layer = layerOf(file);
			if (layer !== 'ui' && layer !== 'components' && layer !== 'screens' && layer !== 'hooks') continue;
			for (const {spec, typeOnly} of imports(file)) {
				const target = spec.startsWith('.') ? layerOf(normalize(join(dirname(file), spec))) : undefined;
				// The benchmark's opt-in trace (host/trace.ts) is instrumentation, not host access: hooks mark their turns.
				const trace = spec.endsWith('/host/trace.js') && layer === 'hooks';
				if (target === 'host' && !(layer === 'hooks' && typeOnly) && !trace) wrong.push(`${file} imports ${spec}`);
				if (ioModules.includes(spec)) wrong.push(`${file} imports ${spec}`);
			}
		}
		expect(wrong).toEqual([]);
	});

	it('the rule tells an upward import from a downward one', () => {
		expect(crosses('source/core/model.ts', 'source/host/runner.ts')).toBe(true);
		expect(crosses('source/plan/host-steps/iproute2.ts', 'source/ui/state.ts')).toBe(true);
		expect(crosses('screens/apply-screen.tsx', 'source/cli.tsx')).toBe(true);
		expect(crosses('source/host/runner.ts', 'source/core/model.ts')).toBe(false);
		expect(crosses('source/hooks/use-apply.ts', 'source/components/text.tsx')).toBe(false);
	});
});
