// Command-line arguments, parsed without I/O so bad input gets a message naming the flag and nothing runs.
import {fieldIds, type FieldId, type Params} from './core/fields.js';
import {modes} from './modes/catalog.js';

export const planFormats = ['text', 'xml', 'script', 'json'] as const;
export type PlanFormat = (typeof planFormats)[number];

export interface CliArgs {
	command: 'tui' | 'inventory' | 'plan' | 'help' | 'version';
	json: boolean;
	demo: boolean;
	connect?: string;
	/** plan: the mode, its field values, the output format and where to save the files. */
	mode?: string;
	fields?: Params;
	format?: PlanFormat;
	out?: string;
}

export class UsageError extends Error {
	override name = 'UsageError';
}

export const usage = `Usage: kvmnet [command] [options]

Commands:
  (none)        open the interactive app (a plain text inventory when not on a terminal)
  inventory     print the host inventory and exit
  plan          check a mode's parameters against this host and print the plan; changes nothing

Options:
  -c, --connect URI  libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system)
  --demo             show the built-in demo host instead of this machine
  --json             with inventory: print the whole host model as JSON

Plan options:
  --mode MODE        ${modes.map((m) => m.id).join(', ')}
  --FIELD VALUE      ${fieldIds.join(', ')} (defaults come from this host)
  --format FORMAT    text (default), xml, script or json
  --out DIR          also write plan.json, plan.sh and the XML files to DIR
  -h, --help         show this help
  -V, --version      show the version

Environment: NO_COLOR turns colour off; SSH_CONNECTION marks the interface carrying your session.`;

export function parseArgs(argv: string[]): CliArgs {
	const args: CliArgs = {command: 'tui', json: false, demo: false};
	let commandSeen = false;
	const value = (flag: string, inline: string | undefined, i: number): string => {
		const v = inline ?? argv[i];
		if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
		return v;
	};
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
			case '--mode':
				args.mode = value(flag, inlineValue, inlineValue === undefined ? ++i : i);
				break;
			case '--format': {
				const format = value(flag, inlineValue, inlineValue === undefined ? ++i : i);
				if (!planFormats.includes(format as PlanFormat)) throw new UsageError(`--format: "${format}" is not one of ${planFormats.join(', ')}`);
				args.format = format as PlanFormat;
				break;
			}
			case '--out':
				args.out = value(flag, inlineValue, inlineValue === undefined ? ++i : i);
				break;
			default: {
				const field = flag.startsWith('--') ? flag.slice(2) : '';
				if (fieldIds.includes(field as FieldId)) {
					args.fields = {...args.fields, [field]: value(flag, inlineValue, inlineValue === undefined ? ++i : i)};
					break;
				}
				if (word.startsWith('-')) throw new UsageError(`unknown option ${word} (see kvmnet --help)`);
				if (commandSeen) throw new UsageError(`unexpected argument "${word}" (see kvmnet --help)`);
				if (word !== 'inventory' && word !== 'plan') throw new UsageError(`unknown command "${word}": the commands are: inventory, plan`);
				args.command = word;
				commandSeen = true;
			}
		}
	}
	if (args.json && args.command !== 'inventory') throw new UsageError('--json goes with the inventory command: kvmnet inventory --json');
	const planOnly = [args.mode && '--mode', args.format && '--format', args.out && '--out', args.fields && `--${Object.keys(args.fields)[0]}`].find(Boolean);
	if (args.command !== 'plan' && planOnly) throw new UsageError(`${planOnly} goes with the plan command: kvmnet plan --mode MODE …`);
	if (args.command === 'plan' && !args.mode) throw new UsageError(`plan needs --mode, one of: ${modes.map((m) => m.id).join(', ')}`);
	if (args.demo && args.connect) throw new UsageError('--demo and --connect cannot be used together: the demo host has its own libvirt');
	return args;
}
