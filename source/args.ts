// Command-line arguments, parsed without I/O so bad input gets a message naming the flag and nothing runs.
import {fieldIds, type FieldId, type Params} from './core/fields.js';
import {modes} from './modes/catalog.js';

export const planFormats = ['text', 'xml', 'script', 'json'] as const;
export type PlanFormat = (typeof planFormats)[number];

export interface CliArgs {
	command:
		'tui' | 'inventory' | 'doctor' | 'probe' | 'plan' | 'apply' | 'undo' | 'confirm' | 'guard' | 'help' | 'version';
	json: boolean;
	demo: boolean;
	connect?: string;
	/** plan: the mode, its field values, the output format and where to save the files. */
	mode?: string;
	fields?: Params;
	format?: PlanFormat;
	out?: string;
	/** apply: the saved plan.json; guard: the journal to watch. */
	file?: string;
	/** probe: the network to measure, and the address beyond the host a guest should reach. */
	network?: string;
	target?: string;
	/** doctor: the check whose fix to save (to --out) as a plan for kvmnet apply. */
	fix?: string;
	/** apply, undo: do not ask before changing the host. */
	yes?: boolean;
	/** undo: list the journals instead. */
	list?: boolean;
	/** undo: go ahead even though VMs now use what the undo removes. */
	force?: boolean;
	/** undo: the journal id to undo (default: the newest not fully undone). */
	journalId?: string;
	/** guard (kvmnet's own use): undo the journal at once instead of watching it. */
	now?: boolean;
	/** apply: seconds to confirm a change to the SSH interface before the guard undoes it. */
	guardSeconds?: number;
	/** apply, undo: the log as JSON lines, and stop requests read from stdin (kvmnet on another machine asks). */
	events?: boolean;
}

export class UsageError extends Error {
	override name = 'UsageError';
}

export const usage = `Usage: kvmnet [command] [options]

Commands:
  (none)        open the interactive app (a plain text inventory when not on a terminal)
  inventory     print the host inventory and exit
  doctor        check what breaks VM networking here (exit 0 all pass, 1 warnings, 2 failures)
  probe NETWORK measure what a guest on NETWORK reaches, against what its mode promises (needs root;
                exit 0 as promised, 1 a cell differs, 2 it could not run)
  plan          check a mode's parameters against this host and print the plan; changes nothing
  apply FILE    apply a saved plan.json, step by step, undoing everything if a step fails
  undo [ID]     undo the newest apply that is not fully undone (or journal ID), whatever state it was left in
  confirm       keep a change to the SSH interface (otherwise undone when the guard's time runs out)

Options:
  -c, --connect URI  libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system)
  --demo             show the built-in demo host instead of this machine
  --json             with inventory, doctor or probe: print JSON
  --target IP        probe: the address beyond the host a guest should reach (default: the host's gateway)
  --fix CHECK        with doctor and --out DIR: save that check's fix as a plan for kvmnet apply

Plan options:
  --mode MODE        ${modes.map((m) => m.id).join(', ')}
  --FIELD VALUE      ${fieldIds.join(', ')} (defaults come from this host)
  --format FORMAT    text (default), xml, script or json
  --out DIR          also write plan.json, plan.sh and the XML files to DIR

Apply and undo options:
  --yes              apply or undo without asking (needed when not on a terminal)
  --guard-seconds N  apply: time to confirm a change to the SSH interface (default 60)
  --list             undo: list the journals (id, plan, state) instead
  --force            undo: go ahead even though a VM now uses what the undo removes
  --events           apply, undo, probe: the log as JSON lines; a "stop" line on stdin stops an apply or probe
                     (how kvmnet on another machine drives this one)
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
		const [flag, inlineValue] =
			word.startsWith('--') && word.includes('=')
				? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]
				: [word, undefined];
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
				if (value === undefined || value === '' || value.startsWith('-'))
					throw new UsageError(`${flag} needs a libvirt URI, e.g. ${flag} qemu:///system`);
				if (!/^[a-z][a-z0-9+]*:\/\//i.test(value))
					throw new UsageError(
						`${flag}: "${value}" is not a libvirt URI (expected driver://…, e.g. qemu:///system or test:///abs/path/host.xml)`,
					);
				args.connect = value;
				break;
			}
			case '--mode':
				args.mode = value(flag, inlineValue, inlineValue === undefined ? ++i : i);
				break;
			case '--format': {
				const format = value(flag, inlineValue, inlineValue === undefined ? ++i : i);
				if (!planFormats.includes(format as PlanFormat))
					throw new UsageError(`--format: "${format}" is not one of ${planFormats.join(', ')}`);
				args.format = format as PlanFormat;
				break;
			}
			case '--target': {
				const target = value(flag, inlineValue, inlineValue === undefined ? ++i : i);
				if (!/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(target))
					throw new UsageError(
						`--target: "${JSON.stringify(target).slice(1, -1)}" is not an IPv4 address (e.g. 192.0.2.1)`,
					);
				args.target = target;
				break;
			}
			case '--fix':
				args.fix = value(flag, inlineValue, inlineValue === undefined ? ++i : i);
				break;
			case '--out':
				args.out = value(flag, inlineValue, inlineValue === undefined ? ++i : i);
				break;
			case '--yes':
			case '-y':
				args.yes = true;
				break;
			case '--list':
				args.list = true;
				break;
			case '--force':
				args.force = true;
				break;
			case '--now':
				args.now = true;
				break;
			case '--events':
				args.events = true;
				break;
			case '--guard-seconds': {
				const seconds = value(flag, inlineValue, inlineValue === undefined ? ++i : i);
				if (!/^\d+$/.test(seconds) || Number(seconds) < 10 || Number(seconds) > 3600)
					throw new UsageError(`--guard-seconds: "${seconds}" is not a whole number of seconds from 10 to 3600`);
				args.guardSeconds = Number(seconds);
				break;
			}
			default: {
				const field = flag.startsWith('--') ? flag.slice(2) : '';
				if (fieldIds.includes(field as FieldId)) {
					args.fields = {...args.fields, [field]: value(flag, inlineValue, inlineValue === undefined ? ++i : i)};
					break;
				}
				if (word.startsWith('-')) throw new UsageError(`unknown option ${word} (see kvmnet --help)`);
				if (commandSeen && (args.command === 'apply' || args.command === 'guard') && args.file === undefined) {
					args.file = word;
					break;
				}
				if (commandSeen && args.command === 'probe' && args.network === undefined) {
					args.network = word;
					break;
				}
				if (commandSeen && args.command === 'undo' && args.journalId === undefined) {
					if (!/^[A-Za-z0-9._-]{1,120}$/.test(word))
						throw new UsageError(
							`undo: "${JSON.stringify(word).slice(1, -1)}" is not a journal id (letters, digits, . _ -; kvmnet undo --list shows them)`,
						);
					args.journalId = word;
					break;
				}
				if (commandSeen) throw new UsageError(`unexpected argument "${word}" (see kvmnet --help)`);
				if (!['inventory', 'doctor', 'probe', 'plan', 'apply', 'undo', 'confirm', 'guard'].includes(word))
					throw new UsageError(
						`unknown command "${word}": the commands are: inventory, doctor, probe, plan, apply, undo, confirm`,
					);
				args.command = word as CliArgs['command'];
				commandSeen = true;
			}
		}
	}
	if (args.json && !['inventory', 'doctor', 'probe'].includes(args.command) && !(args.command === 'undo' && args.list))
		throw new UsageError(
			'--json goes with the inventory, doctor or probe command (or undo --list): kvmnet inventory --json',
		);
	if (args.command === 'probe' && !args.network)
		throw new UsageError('probe needs a network: kvmnet probe NETWORK (kvmnet inventory lists them)');
	if (args.target !== undefined && args.command !== 'probe')
		throw new UsageError('--target goes with the probe command: kvmnet probe NETWORK --target IP');
	if (args.fix !== undefined && args.command !== 'doctor')
		throw new UsageError('--fix goes with the doctor command: kvmnet doctor --fix CHECK --out DIR');
	if (args.command === 'doctor' && (args.fix === undefined) !== (args.out === undefined))
		throw new UsageError("doctor: --fix CHECK and --out DIR go together (save that check's fix as a plan in DIR)");
	const planOnly = [
		args.mode && '--mode',
		args.format && '--format',
		args.command !== 'doctor' && args.out && '--out',
		args.fields && `--${Object.keys(args.fields)[0]}`,
	].find(Boolean);
	if (args.command !== 'plan' && planOnly)
		throw new UsageError(`${planOnly} goes with the plan command: kvmnet plan --mode MODE …`);
	if (args.command === 'plan' && !args.mode)
		throw new UsageError(`plan needs --mode, one of: ${modes.map((m) => m.id).join(', ')}`);
	if ((args.command === 'apply' || args.command === 'guard') && !args.file)
		throw new UsageError(
			`${args.command} needs a file: kvmnet ${args.command} ${args.command === 'apply' ? 'PLAN.json' : 'JOURNAL.json'}`,
		);
	if (args.command !== 'apply' && args.command !== 'undo' && args.yes)
		throw new UsageError('--yes goes with the apply or undo command: kvmnet apply PLAN.json --yes');
	if (args.command !== 'apply' && args.guardSeconds !== undefined)
		throw new UsageError('--guard-seconds goes with the apply command: kvmnet apply PLAN.json --guard-seconds N');
	if (args.command !== 'guard' && args.now) throw new UsageError('unknown option --now (see kvmnet --help)');
	if (args.events && args.command !== 'apply' && args.command !== 'undo' && args.command !== 'probe')
		throw new UsageError('--events goes with the apply, undo or probe command: kvmnet apply PLAN.json --yes --events');
	if (args.command !== 'undo' && (args.list || args.force))
		throw new UsageError(
			`${args.list ? '--list' : '--force'} goes with the undo command: kvmnet undo ${args.list ? '--list' : '--force'}`,
		);
	if (args.demo && args.command === 'probe')
		throw new UsageError('probe measures a real network: the demo host has none to attach to (drop --demo)');
	if (args.demo && args.connect)
		throw new UsageError('--demo and --connect cannot be used together: the demo host has its own libvirt');
	return args;
}
