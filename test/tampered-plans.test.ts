// A plan file is untrusted: 50 tampered or broken plan.json files, each refused with exit 2 and the field at fault
// named, before anything changes. Every program a tampered plan names (as a step, an undo, a check, or the command
// of a qemu+ext URI) would create a marker file: it never exists afterwards, so none of them ran. A real libvirtd in a
// namespace is the host, so the untouched plan does apply (the last case), proving the refusals are not blanket.
import {execFileSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Plan} from '../source/core/plan.js';
import {runCli} from './harness/cli.js';
import {Libvirtd} from './harness/libvirtd.js';
import {isRoot} from './harness/netns.js';

// The cases edit plans freely, any field to any value.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

describe.skipIf(!isRoot)('tampered plans', () => {
	let daemon: Libvirtd;
	let env: Record<string, string>;
	let base: Plan;
	const work = mkdtempSync(join(tmpdir(), 'kvmnet-tamper-'));
	const marker = join(work, 'MARKER');
	const evil = join(work, 'evil.sh');
	writeFileSync(evil, `#!/bin/sh\ntouch ${marker}\n`);
	chmodSync(evil, 0o755);

	beforeAll(async () => {
		daemon = await Libvirtd.start('tamper');
		env = {
			...(process.env as Record<string, string>),
			KVMNET_STATE_DIR: join(work, 'state'),
			KVMNET_NETWORK_MANAGER: 'iproute2',
			LIBVIRT_DEFAULT_URI: daemon.uri,
		};
		const out = join(work, 'base');
		const planned = await runCli(['plan', '--mode', 'nat', '--name', 'tp-nat', '--bridge', 'kvtp', '--out', out], {
			namespace: daemon.namespace,
			env,
		});
		expect(planned.exitCode, planned.stderr).toBe(0);
		base = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as Plan;
	});
	afterAll(async () => daemon?.stop());

	const edit = (change: (plan: Json) => void) => () => {
		const plan = structuredClone(base) as Json;
		change(plan);
		return JSON.stringify(plan, null, 2);
	};
	const ext = `qemu+ext:///system?command=${evil}`;
	const cases: [string, () => string | {path: string}, RegExp][] = [
		[
			'a qemu+ext URI that runs a program',
			edit((p) => (p['uri'] = ext)),
			/uri: the plan is for "qemu\+ext:.*kvmnet never connects to a URI read from a file/,
		],
		[
			'a qemu+ext URI with a socket',
			edit((p) => (p['uri'] = `qemu+ext:///system?command=${evil}&socket=/tmp/x`)),
			/uri: the plan is for "qemu\+ext/,
		],
		[
			'a remote URI',
			edit((p) => (p['uri'] = 'qemu+ssh://root@198.51.100.9/system')),
			/uri: the plan is for "qemu\+ssh:/,
		],
		['the test driver', edit((p) => (p['uri'] = 'test:///default')), /uri: the plan is for "test:\/\/\/default"/],
		[
			'a URI with an escape sequence',
			edit((p) => (p['uri'] = 'qemu:///system\u001b]0;x\u0007')),
			/uri: holds a control character/,
		],
		['a URI that is a number', edit((p) => (p['uri'] = 42)), /uri: must be a string, not number 42/],
		['no URI', edit((p) => delete p['uri']), /uri: must be a string, not undefined/],
		[
			'a step that runs another program',
			edit((p) => (p['steps'][0]['run'] = [evil])),
			/steps: step 1 is not what kvmnet makes/,
		],
		[
			'a step through a shell',
			edit((p) => (p['steps'][0]['run'] = ['sh', '-c', `touch ${marker}`])),
			/steps: step 1 is not what kvmnet makes/,
		],
		[
			'an undo that runs another program',
			edit((p) => (p['steps'][1]['undo'] = [evil])),
			/steps: step 2 is not what kvmnet makes/,
		],
		[
			'an extra step',
			edit((p) => p['steps'].push({title: 'extra', run: [evil]})),
			/steps: step 4 is not what kvmnet makes/,
		],
		['a step removed', edit((p) => p['steps'].shift()), /steps: step 1 is not what kvmnet makes/],
		['steps reordered', edit((p) => p['steps'].reverse()), /steps: step 1 is not what kvmnet makes/],
		[
			'a check that runs another program',
			edit((p) => (p['steps'][0]['verify']['run'] = [evil])),
			/steps: step 1 is not what kvmnet makes/,
		],
		[
			'a step with input added',
			edit((p) => (p['steps'][2]['input'] = 'y\n')),
			/steps: step 3 is not what kvmnet makes/,
		],
		[
			'a file written elsewhere',
			edit((p) => (p['steps'][0]['writes'][0]['path'] = '/etc/kvmnet-evil.xml')),
			/steps: step 1 is not what kvmnet makes/,
		],
		[
			'the network XML in a step changed',
			edit(
				(p) =>
					(p['steps'][0]['writes'][0]['content'] = p['steps'][0]['writes'][0]['content'].replace(
						/mode=["']nat["']/,
						'mode="open"',
					)),
			),
			/steps: step 1 is not what kvmnet makes/,
		],
		[
			'the shown network XML changed',
			edit((p) => (p['networkXml'] = '<network/>')),
			/networkXml: is not what kvmnet makes/,
		],
		[
			'the shown interface XML changed',
			edit((p) => (p['interfaceXml'] = '<interface/>')),
			/interfaceXml: is not what kvmnet makes/,
		],
		[
			'a step with an absolute program',
			edit((p) => (p['steps'][1]['run'][0] = evil)),
			/steps: step 2 is not what kvmnet makes/,
		],
		['an empty argv', edit((p) => (p['steps'][0]['run'] = [])), /steps\[0\]\.run: must be a non-empty list of strings/],
		['steps as a string', edit((p) => (p['steps'] = `touch ${marker}`)), /steps: must be a list, not the string/],
		['steps null', edit((p) => (p['steps'] = null)), /steps: must be a list, not null/],
		['a null step', edit((p) => (p['steps'][0] = null)), /steps\[0\]: must be an object, not null/],
		[
			'an argv as a string',
			edit((p) => (p['steps'][0]['run'] = 'virsh net-define x')),
			/steps\[0\]\.run: must be a non-empty list of strings/,
		],
		[
			'an argv of numbers',
			edit((p) => (p['steps'][0]['run'] = [1, 2])),
			/steps\[0\]\.run: must be a non-empty list of strings/,
		],
		['a name that climbs out', edit((p) => (p['params']['name'] = '../../../../tmp/x')), /name: .*letters, digits/i],
		[
			'a name ending in a newline',
			edit((p) => (p['params']['name'] = 'tp-nat\n')),
			/params\.name: holds a control character/,
		],
		['a name like an option', edit((p) => (p['params']['name'] = '--all')), /name: /],
		['a bridge with a shell command', edit((p) => (p['params']['bridge'] = `br;touch ${marker}`)), /bridge: /],
		[
			'a name that is a number',
			edit((p) => (p['params']['name'] = 42)),
			/params\.name: must be a string, not number 42/,
		],
		[
			'an unknown parameter',
			edit((p) => (p['params']['command'] = evil)),
			/params\.command: is not a field of this plan/,
		],
		['params null', edit((p) => (p['params'] = null)), /params: must be an object of field values, not null/],
		['an uplink path', edit((p) => (p['params']['uplink'] = '../../etc')), /uplink: /],
		[
			'a doctor plan for no check',
			edit((p) => Object.assign(p, {mode: 'doctor', params: {check: '../../x', name: '../../../tmp/x'}})),
			/the check \.\.\/\.\.\/x does not need this fix any more \(it no longer exists\)/,
		],
		[
			'a doctor plan whose steps run a program',
			edit((p) =>
				Object.assign(p, {
					mode: 'doctor',
					params: {check: 'forwarding', name: 'forwarding'},
					steps: [{title: 'x', run: [evil]}],
				}),
			),
			/the check forwarding does not need this fix|steps: step 1 is not what kvmnet makes/,
		],
		['an unknown mode', edit((p) => (p['mode'] = 'nosuch')), /mode/],
		['a mode with a path', edit((p) => (p['mode'] = '../x')), /mode: "\.\.\/x" does not match/],
		[
			'a directory elsewhere',
			edit((p) => (p['directory'] = '/etc')),
			/directory: "\/etc" is not the folder of the files its steps write/,
		],
		[
			'another network manager',
			edit((p) => (p['manager'] = {kind: 'networkmanager', reason: 'edited'})),
			/manager: the plan says "networkmanager", but this host's network is run by iproute2/,
		],
		['an unknown part', edit((p) => (p['evil'] = 1)), /evil: is not part of a kvmnet plan/],
		[
			'a __proto__ part',
			() => JSON.stringify(base).replace(/^\{/, '{"__proto__": {"polluted": 1}, '),
			/__proto__: is not part of a kvmnet plan/,
		],
		['a relative directory', edit((p) => (p['directory'] = 'relative/dir')), /directory: must be an absolute path/],
		[
			'a directory with a newline',
			edit((p) => (p['directory'] = '/tmp/x\n')),
			/directory: must be an absolute path without control characters/,
		],
		['version 2', edit((p) => (p['version'] = 2)), /version: must be 1, not number 2/],
		['no version', edit((p) => delete p['version']), /version: must be 1, not undefined/],
		['warnings as a string', edit((p) => (p['warnings'] = 'x')), /warnings: must be a list of strings/],
		['no manager', edit((p) => delete p['manager']), /manager: must be \{kind, reason\}/],
		[
			'a huge file',
			edit((p) => (p['warnings'] = ['x'.repeat(2 * 1024 * 1024)])),
			/is \d+ bytes: a plan is at most 1048576 bytes/,
		],
		['truncated', () => JSON.stringify(base, null, 2).slice(0, 700), /is not a kvmnet plan: it is not valid JSON/],
		['empty', () => '', /is not a kvmnet plan: it is not valid JSON/],
		['null', () => 'null', /plan: the file holds no JSON object/],
		['a list', () => '[]', /plan: the file holds no JSON object/],
		['binary', () => '\u0000\u0001\u00ff\u001b[2J', /is not a kvmnet plan: it is not valid JSON/],
		['/dev/zero', () => ({path: '/dev/zero'}), /"\/dev\/zero" is not a regular file/],
		['a FIFO', () => ({path: join(work, 'fifo')}), /fifo" is not a regular file/],
		['a directory', () => ({path: work}), /is not a regular file/],
		['no such file', () => ({path: join(work, 'nosuch.json')}), /cannot read the plan .*: no such file/],
	];

	it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));

	it.each(cases)('%s: exit 2, the field named, nothing run', async (_, make, message) => {
		const made = make();
		if (typeof made === 'string' && made.length > 2)
			expect(made, 'the case changes the plan').not.toBe(JSON.stringify(base, null, 2));
		let file: string;
		if (typeof made === 'string') {
			file = join(work, `plan-${Math.random().toString(36).slice(2)}.json`);
			writeFileSync(file, made);
		} else file = made.path;
		if (file.endsWith('fifo') && !existsSync(file)) execFileSync('mkfifo', [file]);
		const before = (await daemon.virsh('net-list --all --name')).stdout;
		const result = await runCli(['apply', file, '--yes'], {namespace: daemon.namespace, env});
		expect(result.exitCode, result.stdout + result.stderr).toBe(2);
		expect(result.stderr).toMatch(message);
		expect(result.stderr).not.toMatch(/at .*\.js:\d+|TypeError|SyntaxError: /);
		expect(result.stdout).toBe('');
		expect(existsSync(marker), 'a program from the plan ran').toBe(false);
		expect((await daemon.virsh('net-list --all --name')).stdout).toBe(before);
	});

	it('the untouched plan applies (so the refusals above are about what was changed)', async () => {
		mkdirSync(join(work, 'ok'), {recursive: true});
		const file = join(work, 'ok', 'plan.json');
		writeFileSync(file, JSON.stringify(base));
		const result = await runCli(['apply', file, '--yes'], {namespace: daemon.namespace, env});
		expect(result.exitCode, result.stdout + result.stderr).toBe(0);
		expect((await runCli(['undo', '--yes'], {namespace: daemon.namespace, env})).exitCode).toBe(0);
		expect(existsSync(marker)).toBe(false);
	});
});
