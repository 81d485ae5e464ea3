// A Runner for in-process apply tests: runs every command inside a network namespace, and can make one chosen
// command fail without running it (fault injection), so every other step runs for real.
import {Runner, type RunOptions, type RunResult} from '../../source/host/runner.js';

export class NamespaceRunner extends Runner {
	private failed = false;

	constructor(
		private readonly namespace: string,
		private readonly env: Record<string, string>,
		/** The argv that fails (its first run only). */
		private readonly failOn?: string[],
	) {
		super();
	}

	override async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
		if (!this.failed && this.failOn && argv.join('\0') === this.failOn.join('\0')) {
			this.failed = true;
			this.history.push(argv);
			options.onLine?.('stderr', 'injected failure');
			return {
				argv,
				exitCode: 1,
				stdout: '',
				stderr: 'injected failure\n',
				ok: false,
				missing: false,
				timedOut: false,
				milliseconds: 0,
			};
		}
		const result = await super.run(['ip', 'netns', 'exec', this.namespace, ...argv], {
			...options,
			env: {...this.env, ...options.env},
		});
		return {...result, argv};
	}
}
