// `npm test`: format check, lint, type-check, build the bundle the end-to-end tests run, run every vitest test, and
// end with the plain summary line "N passed, N failed, N skipped" (each failed check before the tests counts as one).
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, rmSync} from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const results = `${root}.vitest-results.json`;
const step = (argv) => spawnSync(argv[0], argv.slice(1), {cwd: root, stdio: 'inherit'}).status === 0;
const bin = (name) => `${root}node_modules/.bin/${name}`;

let failed = 0;
// The formatter and the linter gate the tests, as in create-ink-app's template; each failure counts as one.
if (!step([bin('prettier'), '--check', '--log-level', 'warn', '.'])) {
	console.error('format check failed: run npx prettier --write .');
	failed++;
}
if (!step([bin('eslint'), '--max-warnings', '0', '.'])) {
	console.error('lint failed');
	failed++;
}
if (!step([bin('tsc'), '--noEmit'])) {
	console.error('type check failed');
	failed++;
}
if (!step([process.execPath, 'scripts/build.mjs'])) {
	console.error('build failed');
	failed++;
}
rmSync(results, {force: true});
const extra = process.argv.slice(2);
const vitestOk = step([
	bin('vitest'),
	'run',
	'--reporter=default',
	'--reporter=json',
	`--outputFile.json=${results}`,
	...extra,
]);
let passed = 0;
let skipped = 0;
if (existsSync(results)) {
	const report = JSON.parse(readFileSync(results, 'utf8'));
	passed = report.numPassedTests;
	failed += report.numFailedTests;
	skipped = report.numPendingTests + report.numTodoTests;
	// A suite that fails to load has no failed tests of its own: count it so it cannot pass unseen.
	failed += report.testResults.filter(
		(suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
	).length;
	rmSync(results, {force: true});
} else {
	failed++;
}
if (!vitestOk && failed === 0) failed++;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
