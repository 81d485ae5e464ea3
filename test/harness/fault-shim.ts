// Faults at an exact step of a real apply: a small bash program placed first on kvmnet's PATH under the names of
// the tools plans run (ip, virsh…). It passes every call through to the real tool, except the one whose argv is
// FAULT_ARGV, where (once) it: runs the real command and then SIGKILLs kvmnet (the step took effect, the journal
// still says it is under way), sends kvmnet a signal while the real command runs, or fills the disk first.
import {chmodSync, existsSync, mkdtempSync, rmdirSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const script = `#!/usr/bin/env bash
name=$(basename "$0")
real=$(PATH="\${PATH#"$FAULT_SHIM_DIR:"}" command -v "$name")
joined="$name"
for word in "$@"; do joined+=$'\\x1f'"$word"; done
if [ -n "\${FAULT_ARGV:-}" ] && [[ "$joined" == $FAULT_ARGV ]] && mkdir "$FAULT_SHIM_DIR/fired" 2>/dev/null; then
  case "$FAULT_ACTION" in
    kill-after) "$real" "$@"; status=$?; kill -KILL "$PPID"; exit $status ;;
    signal) kill -"$FAULT_SIGNAL" "$PPID" ;;
    fill) dd if=/dev/zero of="$FAULT_FILL" bs=64k status=none 2>/dev/null; true ;;
  esac
fi
exec "$real" "$@"
`;

export type FaultAction = 'kill-after' | 'signal' | 'fill';

export class FaultShim {
	readonly dir = mkdtempSync(join(tmpdir(), 'kvmnet-shim-'));

	constructor(tools: string[]) {
		const program = join(this.dir, 'fault-shim');
		writeFileSync(program, script);
		chmodSync(program, 0o755);
		for (const tool of tools) symlinkSync(program, join(this.dir, tool));
	}

	/**
	 * Environment for kvmnet that fires `action` at `argv` (once per `reset`). Words under `folder` (the plan's own
	 * folder, which apply replaces with a new one of its state directory) match any folder.
	 */
	env(
		argv: string[],
		action: FaultAction,
		extra: {signal?: string; fill?: string; folder?: string} = {},
	): Record<string, string> {
		const word = (w: string) =>
			extra.folder && w.startsWith(`${extra.folder}/`) ? `*/${w.slice(extra.folder.length + 1)}` : w;
		return {
			PATH: `${this.dir}:${process.env['PATH']}`,
			FAULT_SHIM_DIR: this.dir,
			FAULT_ARGV: argv.map(word).join('\x1f'),
			FAULT_ACTION: action,
			...(extra.signal ? {FAULT_SIGNAL: extra.signal} : {}),
			...(extra.fill ? {FAULT_FILL: extra.fill} : {}),
		};
	}

	/** Whether the fault fired since the last reset. */
	fired(): boolean {
		return existsSync(join(this.dir, 'fired'));
	}

	/** Whether the fault fired since the last reset, and arm it again. */
	reset(): boolean {
		try {
			rmdirSync(join(this.dir, 'fired'));
			return true;
		} catch {
			return false;
		}
	}
}
