// Command-line arguments, parsed without I/O so bad input gets a message naming the flag and nothing runs.

export interface CliArgs {
	command: 'tui' | 'inventory' | 'help' | 'version';
	json: boolean;
	demo: boolean;
	connect?: string;
}

export class UsageError extends Error {
	override name = 'UsageError';
}

export const usage = `Usage: kvmnet [command] [options]

Commands:
  (none)        open the interactive app (a plain text inventory when not on a terminal)
  inventory     print the host inventory and exit

Options:
  -c, --connect URI  libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system)
  --demo             show the built-in demo host instead of this machine
  --json             with inventory: print the whole host model as JSON
  -h, --help         show this help
  -V, --version      show the version

Environment: NO_COLOR turns colour off; SSH_CONNECTION marks the interface carrying your session.`;

export function parseArgs(argv: string[]): CliArgs {
	const args: CliArgs = {command: 'tui', json: false, demo: false};
	let commandSeen = false;
	for (let i = 0; i < argv.length; i++) {
		const word = argv[i]!;
		const [flag, inlineValue] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
		switch (flag) {
			case '-h':
			case '--help':
				return {...args, command: 'help'};
			case '-V':
			case '--version':
				return {...args, command: 'version'};
			case '--json':
				args.json = true;
				break;
			case '--demo':
				args.demo = true;
				break;
			case '-c':
			case '--connect': {
				const value = inlineValue ?? argv[++i];
				if (value === undefined || value === '' || value.startsWith('-')) throw new UsageError(`${flag} needs a libvirt URI, e.g. ${flag} qemu:///system`);
				if (!/^[a-z][a-z0-9+]*:\/\//i.test(value)) throw new UsageError(`${flag}: "${value}" is not a libvirt URI (expected driver://…, e.g. qemu:///system or test:///abs/path/host.xml)`);
				args.connect = value;
				break;
			}
			default:
				if (word.startsWith('-')) throw new UsageError(`unknown option ${word} (see kvmnet --help)`);
				if (commandSeen) throw new UsageError(`unexpected argument "${word}" (see kvmnet --help)`);
				if (word !== 'inventory') throw new UsageError(`unknown command "${word}": the commands are: inventory`);
				args.command = 'inventory';
				commandSeen = true;
		}
	}
	if (args.json && args.command !== 'inventory') throw new UsageError('--json goes with the inventory command: kvmnet inventory --json');
	if (args.demo && args.connect) throw new UsageError('--demo and --connect cannot be used together: the demo host has its own libvirt');
	return args;
}
