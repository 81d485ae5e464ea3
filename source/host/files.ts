// Reading the host's files without throwing: a fact that is not there is undefined (or false), never an error,
// since most of what the scans read is optional (sysfs attributes, /etc files, /proc entries). The host is this
// machine (node's fs) or a remote one (one ssh command per batch: every read asked in the same turn goes together,
// so a scan's hundreds of sysfs values cost one round trip, not hundreds), or a host kvmnet has no shell on.
import {access, mkdir, readdir, readFile, readlink, rm, writeFile} from 'node:fs/promises';
import {dirname} from 'node:path';
import {randomBytes} from 'node:crypto';
import type {RunResult} from './runner.js';

export interface HostFiles {
	read(path: string): Promise<string | undefined>;
	readlink(path: string): Promise<string | undefined>;
	exists(path: string): Promise<boolean>;
	/** A directory's entries (without . and ..); undefined when it is not a readable directory. */
	list(path: string): Promise<string[] | undefined>;
	/**
	 * For each entry of `dir` that has `probe` (a path inside the entry), the answers to `questions` (paths inside
	 * it too), in order; entries without `probe` are left out. One question for a whole folder: on a remote host the
	 * listing and every entry's answers come in the same round trip, not one after the other.
	 */
	readEach(dir: string, probe: string, questions: readonly EachQuestion[]): Promise<Map<string, EachAnswer[]>>;
	/** Write a whole file, making its folder; throws, with why, when it cannot. */
	write(path: string, content: string): Promise<void>;
	/** Remove a file; nothing when it is not there. Throws when it cannot. */
	remove(path: string): Promise<void>;
}

/** A question asked of every entry: its first line (read), where it points (link), or whether it is there. */
export interface EachQuestion {
	kind: 'read' | 'link' | 'exists';
	/** Inside the entry, no spaces (the remote script splits the questions on them). */
	path: string;
}
/** The first line, the target, or '' (exists); undefined when not there, not readable or not a link. */
export type EachAnswer = string | undefined;

const firstLine = (text: string | undefined) => text?.split('\n')[0];

/** One question of readEach, answered from this machine's files. */
export async function answerHere(question: EachQuestion, path: string): Promise<EachAnswer> {
	if (question.kind === 'read') return firstLine(await localFiles.read(path));
	if (question.kind === 'link') return localFiles.readlink(path);
	return (await localFiles.exists(path)) ? '' : undefined;
}

export const localFiles: HostFiles = {
	read: (path) => readFile(path, 'utf8').catch(() => undefined),
	readlink: (path) => readlink(path).catch(() => undefined),
	exists: (path) =>
		access(path).then(
			() => true,
			() => false,
		),
	list: (path) => readdir(path).catch(() => undefined),
	readEach: async (dir, probe, questions) => {
		const entries = (await readdir(dir).catch(() => undefined)) ?? [];
		const rows = await Promise.all(
			entries.map(async (entry) => {
				const base = `${dir}/${entry}`;
				if (!(await localFiles.exists(`${base}/${probe}`))) return undefined;
				return [entry, await Promise.all(questions.map((q) => answerHere(q, `${base}/${q.path}`)))] as const;
			}),
		);
		return new Map(rows.filter((row) => row !== undefined));
	},
	write: async (path, content) => {
		await mkdir(dirname(path), {recursive: true});
		await writeFile(path, content);
	},
	remove: (path) => rm(path, {force: true}),
};

/** A host with no shell for kvmnet (libvirt over tls or tcp): nothing can be read there. */
export const noFiles: HostFiles = {
	read: async () => undefined,
	readlink: async () => undefined,
	exists: async () => false,
	list: async () => undefined,
	readEach: async () => new Map(),
	write: async (path) => {
		throw new Error(`cannot write ${path}: kvmnet has no shell on this host`);
	},
	remove: async (path) => {
		throw new Error(`cannot remove ${path}: kvmnet has no shell on this host`);
	},
};

// Writing and removing a remote file: fixed scripts, the path an argument ("$1") and the content on stdin.
const writeScript = 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"';
const removeScript = 'rm -f -- "$1"';

// The one script the remote side runs for file reads: fixed text, never built from data. The paths come on stdin
// (one per line, after the boundary), so no path is ever part of a command line or seen by the shell as code.
// Each answer is "\n<boundary> y|n\n<content>"; the boundary is random per batch, so no file can fake an answer.
const readScript = [
	'IFS= read -r b',
	'while IFS= read -r op && IFS= read -r p; do',
	'  case $op in',
	`  r) if [ -r "$p" ] && [ ! -d "$p" ]; then printf '\\n%s y\\n' "$b"; cat -- "$p" 2>/dev/null; else printf '\\n%s n\\n' "$b"; fi ;;`,
	`  l) if t=$(readlink -- "$p"); then printf '\\n%s y\\n%s' "$b" "$t"; else printf '\\n%s n\\n' "$b"; fi ;;`,
	`  e) if [ -e "$p" ]; then printf '\\n%s y\\n' "$b"; else printf '\\n%s n\\n' "$b"; fi ;;`,
	`  d) if [ -d "$p" ] && [ -r "$p" ]; then printf '\\n%s y\\n' "$b"; ls -1A -- "$p" 2>/dev/null; else printf '\\n%s n\\n' "$b"; fi ;;`,
	// t: every entry of the folder with the probe: its name, then one line per question ("y<answer>" or "n").
	// Questions are "r:path", "l:path", "e:path", split on spaces with globbing off; answers are first lines.
	'  t) IFS= read -r probe; IFS= read -r spec; printf \'\\n%s y\\n\' "$b"',
	'     for e in "$p"/* "$p"/.[!.]* "$p"/..?*; do',
	'       [ -e "$e/$probe" ] || continue',
	`       printf '%s\\n' "\${e##*/}"; set -f`,
	'       for q in $spec; do',
	'         f=$e/${q#?:}; v=',
	'         case $q in',
	`         r:*) if [ -r "$f" ] && [ ! -d "$f" ] && { IFS= read -r v || [ -n "$v" ]; } < "$f" 2>/dev/null; then printf 'y%s\\n' "$v"; else echo n; fi ;;`,
	`         l:*) if v=$(readlink -- "$f"); then printf 'y%s\\n' "$v"; else echo n; fi ;;`,
	'         e:*) if [ -e "$f" ]; then echo y; else echo n; fi ;;',
	'         *) echo n ;;',
	'         esac',
	'       done; set +f',
	'     done ;;',
	`  *) printf '\\n%s n\\n' "$b" ;;`,
	'  esac',
	'done',
].join('\n');

type Op = 'r' | 'l' | 'e' | 'd' | 't';
interface Pending {
	op: Op;
	path: string;
	/** For t: the probe and the questions' line. */
	more?: string;
	resolve: (answer: string | undefined) => void;
}

/** Split a batch's output into one answer per question (undefined: not there, or not answered at all). */
function splitAnswers(output: string, boundary: string, count: number): (string | undefined)[] {
	const parts = output.split(`\n${boundary} `).slice(1);
	return Array.from({length: count}, (_, i) => {
		const part = parts[i];
		if (part === undefined || !part.startsWith('y\n')) return undefined;
		return part.slice(2);
	});
}

/** A t answer: groups of a name line and one "y…"/"n" line per question; anything else ends the reading. */
function parseEach(text: string | undefined, count: number): Map<string, EachAnswer[]> {
	const rows = new Map<string, EachAnswer[]>();
	const lines = (text ?? '').split('\n');
	for (let at = 0; at + count < lines.length; at += count + 1) {
		const answers = lines.slice(at + 1, at + 1 + count);
		if (!answers.every((line) => line === 'n' || line.startsWith('y'))) break;
		rows.set(
			lines[at]!,
			answers.map((line) => (line === 'n' ? undefined : line.slice(1))),
		);
	}
	return rows;
}

/**
 * Files read on a remote host through `run` (the transport's runner): questions asked in the same turn of the event
 * loop go in one command. Paths with a newline are not asked (no file kvmnet reads has one).
 */
export function batchedFiles(run: (argv: string[], input: string) => Promise<RunResult>): HostFiles {
	let queue: Pending[] = [];
	const flush = async () => {
		const asked = queue;
		queue = [];
		const boundary = randomBytes(16).toString('hex');
		const input = `${boundary}\n${asked.map((q) => `${q.op}\n${q.path}\n${q.more ?? ''}`).join('')}`;
		const result = await run(['sh', '-c', readScript], input);
		const answers = splitAnswers(result.stdout, boundary, asked.length);
		asked.forEach((q, i) => q.resolve(answers[i]));
	};
	const ask = (op: Op, path: string, more?: string) =>
		new Promise<string | undefined>((resolve) => {
			if (path.includes('\n') || path === '') return resolve(undefined);
			if (queue.length === 0) setImmediate(() => void flush());
			queue.push({op, path, resolve, ...(more === undefined ? {} : {more})});
		});
	const change = async (script: string, path: string, input: string) => {
		if (path.includes('\n') || !path.startsWith('/'))
			throw new Error(`${JSON.stringify(path)} is not an absolute path`);
		const result = await run(['sh', '-c', script, 'sh', path], input);
		if (!result.ok)
			throw new Error(result.refused ?? result.transportError ?? (result.stderr.trim() || `exit ${result.exitCode}`));
	};
	return {
		write: (path, content) => change(writeScript, path, content),
		remove: (path) => change(removeScript, path, ''),
		read: (path) => ask('r', path),
		readlink: (path) => ask('l', path),
		exists: async (path) => (await ask('e', path)) !== undefined,
		list: async (path) => {
			const text = await ask('d', path);
			return text === undefined ? undefined : text.split('\n').filter((name) => name !== '');
		},
		readEach: async (dir, probe, questions) => {
			const words = [probe, ...questions.map((q) => q.path)];
			if (words.some((word) => /\s/.test(word) || word === ''))
				throw new Error(`readEach: ${JSON.stringify(words)}: empty paths and paths with spaces cannot be asked`);
			const spec = questions.map((q) => `${q.kind[0]}:${q.path}`).join(' ');
			return parseEach(await ask('t', dir, `${probe}\n${spec}\n`), questions.length);
		},
	};
}
