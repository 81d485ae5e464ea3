// Run as its own process by the SSH-guard test (bundled with esbuild), inside the host's network namespace:
// applies a plan with the real engine, but chosen commands only pretend to succeed, printing the answer given for
// them (so a step's check can be fooled too). The guard it starts is the real `kvmnet guard`, in the same namespace. That gives a bridge step that "works"
// yet cuts the host off, and the guard is the real `kvmnet guard`. The test then kills this process, as an SSH
// disconnect would kill the app.
import {readFileSync} from 'node:fs';
import {applyPlan} from '../../source/host/apply.js';
import {armDeadline, startGuard} from '../../source/host/guard.js';
import {Runner, type RunOptions, type RunResult} from '../../source/host/runner.js';
import type {Plan} from '../../source/core/plan.js';

const [planFile, journalDir, cli, skipped, seconds] = process.argv.slice(2) as [string, string, string, string, string];
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
const skip = JSON.parse(skipped) as {argv: string[]; stdout: string}[];

class Sabotage extends Runner {
	override async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
		const fake = skip.find((s) => s.argv.join('\0') === argv.join('\0'));
		if (fake)
			return {
				argv,
				exitCode: 0,
				stdout: fake.stdout,
				stderr: '',
				ok: true,
				missing: false,
				timedOut: false,
				milliseconds: 0,
			};
		return super.run(argv, options);
	}
}

const journal = await applyPlan(plan, {
	runner: new Sabotage(),
	journalDir,
	hooks: {startGuard: async (j) => void (await startGuard(j, [process.execPath, cli], Number(seconds)))},
});
armDeadline(journal);
process.stdout.write(`APPLIED ${journal.status} ${journal.path}\n`);
// Wait for the confirmation that never comes, as an app whose user was cut off does.
setInterval(() => undefined, 1000);
