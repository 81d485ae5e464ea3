// kvmnet without a terminal: arguments, help, plain text when piped, JSON for scripts.
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseArgs, UsageError} from '../source/args.js';
import {runCli} from './harness/cli.js';

describe('arguments', () => {
	it('reads commands and options', () => {
		expect(parseArgs([])).toEqual({command: 'tui', json: false, demo: false});
		expect(parseArgs(['inventory', '--json', '-c', 'qemu:///system'])).toEqual({
			command: 'inventory',
			json: true,
			demo: false,
			connect: 'qemu:///system',
		});
		expect(parseArgs(['--connect=test:///default', 'inventory'])).toMatchObject({connect: 'test:///default'});
		expect(parseArgs(['inventory', '--demo'])).toMatchObject({command: 'inventory', demo: true});
	});

	it.each([
		[['--frobnicate'], 'unknown option --frobnicate (see kvmnet --help)'],
		[['launch'], 'unknown command "launch": the commands are: inventory, doctor, probe, plan, apply, undo, confirm'],
		[['apply'], 'apply needs a file: kvmnet apply PLAN.json'],
		[['apply', 'p.json', 'q.json'], 'unexpected argument "q.json" (see kvmnet --help)'],
		[['confirm', '--yes'], '--yes goes with the apply or undo command: kvmnet apply PLAN.json --yes'],
		[
			['undo', '--guard-seconds', '30'],
			'--guard-seconds goes with the apply command: kvmnet apply PLAN.json --guard-seconds N',
		],
		[['apply', 'p.json', '--list'], '--list goes with the undo command: kvmnet undo --list'],
		[['undo', '../x'], 'undo: "../x" is not a journal id (letters, digits, . _ -; kvmnet undo --list shows them)'],
		[['undo', 'a', 'b'], 'unexpected argument "b" (see kvmnet --help)'],
		[
			['apply', 'p.json', '--guard-seconds', '5'],
			'--guard-seconds: "5" is not a whole number of seconds from 10 to 3600',
		],
		[['inventory', 'extra'], 'unexpected argument "extra" (see kvmnet --help)'],
		[['--connect'], '--connect needs a libvirt URI, e.g. --connect qemu:///system'],
		[['-c', '--demo'], '-c needs a libvirt URI, e.g. -c qemu:///system'],
		[
			['--connect', 'localhost'],
			'--connect: "localhost" is not a libvirt URI (expected driver://…, e.g. qemu:///system or test:///abs/path/host.xml)',
		],
		[['--json'], '--json goes with the inventory, doctor or probe command (or undo --list): kvmnet inventory --json'],
		[
			['apply', 'p.json', '--json'],
			'--json goes with the inventory, doctor or probe command (or undo --list): kvmnet inventory --json',
		],
		[
			['doctor', '--events'],
			'--events goes with the apply, undo or probe command: kvmnet apply PLAN.json --yes --events',
		],
		[['probe'], 'probe needs a network: kvmnet probe NETWORK (kvmnet inventory lists them)'],
		[['probe', 'a', 'b'], 'unexpected argument "b" (see kvmnet --help)'],
		[['probe', 'lan', '--target', 'gateway'], '--target: "gateway" is not an IPv4 address (e.g. 192.0.2.1)'],
		[['doctor', '--target', '10.0.0.1'], '--target goes with the probe command: kvmnet probe NETWORK --target IP'],
		[['probe', 'lan', '--demo'], 'probe measures a real network: the demo host has none to attach to (drop --demo)'],
		[
			['doctor', '--fix', 'forwarding'],
			"doctor: --fix CHECK and --out DIR go together (save that check's fix as a plan in DIR)",
		],
		[['inventory', '--fix', 'forwarding'], '--fix goes with the doctor command: kvmnet doctor --fix CHECK --out DIR'],
		[['doctor', '--fix'], '--fix needs a value'],
		[
			['--demo', '-c', 'qemu:///system'],
			'--demo and --connect cannot be used together: the demo host has its own libvirt',
		],
	])('%j is refused: %s', (argv, message) => {
		expect(() => parseArgs(argv)).toThrow(UsageError);
		expect(() => parseArgs(argv)).toThrow(message);
	});
});

describe('the built command', () => {
	it('prints help and version, and refuses bad flags with exit 2 and one line', async () => {
		const help = await runCli(['--help']);
		expect(help).toMatchObject({exitCode: 0});
		expect(help.stdout).toContain('Usage: kvmnet [command] [options]');
		expect((await runCli(['-V'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
		const bad = await runCli(['--nope']);
		expect(bad).toEqual({exitCode: 2, stdout: '', stderr: 'kvmnet: unknown option --nope (see kvmnet --help)'});
	});

	it('prints a plain text inventory, without terminal codes, when not on a terminal', async () => {
		const result = await runCli(['--demo']);
		expect(result.exitCode).toBe(0);
		expect(result.stderr).toContain('not a terminal, so here is the inventory as text');
		expect(result.stdout).not.toMatch(/\x1b/);
		for (const heading of [
			'== NICs (24) ==',
			'== Bridges (8) ==',
			'== Networks (14) ==',
			'== VMs (3) ==',
			'== Topology',
		])
			expect(result.stdout).toContain(heading);
		expect(result.stdout).toMatch(/^eth0 \[SSH\] +physical +up +1G/m);
		expect(result.stdout).toMatch(/^macvtap-passthrough +macvtap \(passthrough\) +active/m);
	});

	it('prints the whole host model as JSON', async () => {
		const result = await runCli(['inventory', '--json', '--demo']);
		const model = JSON.parse(result.stdout);
		expect(model.source).toBe('demo');
		expect(Object.keys(model)).toEqual([
			'source',
			'header',
			'nics',
			'bridges',
			'networks',
			'vms',
			'routes',
			'capabilities',
			'problems',
			'scan',
		]);
		expect(model.nics.find((n: {name: string}) => n.name === 'enp3s0f0').sriov).toEqual({totalVfs: 63, numVfs: 2});
	});

	it('plan prints XML, a script or JSON, and --out saves the files', async () => {
		const xml = await runCli([
			'plan',
			'--demo',
			'--mode',
			'isolated',
			'--name',
			'lab9',
			'--subnet',
			'10.99.0.0/24',
			'--gateway',
			'10.99.0.1',
			'--dhcp-start',
			'10.99.0.100',
			'--dhcp-end',
			'10.99.0.200',
			'--format',
			'xml',
		]);
		expect(xml.exitCode).toBe(0);
		expect(xml.stdout).toContain('<ip address="10.99.0.1" prefix="24">');
		expect(xml.stdout).toContain('<source network="lab9"/>');
		const script = await runCli(['plan', '--demo', '--mode', 'isolated', '--name', 'lab9', '--format', 'script']);
		expect(script.stdout).toMatch(/^#!\/usr\/bin\/env bash\n/);
		expect(script.stdout).toContain('set -euo pipefail');
		expect(script.stdout).toMatch(/# undo: virsh -c test:\/\/\S+ net-undefine --network lab9/);
		const out = join(mkdtempSync(join(tmpdir(), 'kvmnet-out-')), 'p');
		const json = await runCli([
			'plan',
			'--demo',
			'--mode',
			'macvtap-vepa',
			'--uplink',
			'eth1',
			'--format',
			'json',
			'--out',
			out,
		]);
		const plan = JSON.parse(json.stdout);
		expect(plan).toMatchObject({version: 1, mode: 'macvtap-vepa', directory: out});
		expect(json.stderr).toContain(`kvmnet: wrote ${out}/plan.json`);
		expect(JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'))).toEqual(plan);
	});

	it('doctor prints the checks, worst first, exits 2 on failures, and saves a fix as a plan', async () => {
		const text = await runCli(['doctor', '--demo']);
		expect(text.exitCode).toBe(2);
		expect(text.stdout).toMatch(
			/^kvmnet doctor: 4 failed, 6 warnings, 11 passed, 0 not applicable\n\n== kernel settings ==\nFAIL {2}IP forwarding\n/,
		);
		const json = await runCli(['doctor', '--demo', '--json']);
		const report = JSON.parse(json.stdout);
		expect(report).toMatchObject({source: 'demo', exitCode: 2});
		expect(report.results.map((r: {status: string}) => r.status).slice(0, 3)).toEqual(['fail', 'fail', 'fail']);
		const out = join(mkdtempSync(join(tmpdir(), 'kvmnet-fix-')), 'fix');
		const fix = await runCli(['doctor', '--demo', '--fix', 'docker', '--out', out]);
		expect(fix.exitCode).toBe(0);
		// A fix of host settings has no network and no VM interface: said so, with no empty XML comment shown.
		expect(fix.stdout).toContain('This plan changes host settings only: no libvirt network is defined or changed.');
		expect(fix.stdout).not.toContain('virsh attach-device VM FILE');
		expect(JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'))).toMatchObject({
			mode: 'doctor',
			params: {check: 'docker'},
			steps: [{run: ['iptables', '-I', 'DOCKER-USER', '-i', 'br0', '-o', 'br0', '-j', 'ACCEPT']}, {}],
		});
		// A demo host's plan is for showing only: apply refuses it and changes nothing.
		const apply = await runCli(['apply', join(out, 'plan.json'), '--yes']);
		expect(apply).toMatchObject({
			exitCode: 2,
			stderr: expect.stringContaining('kvmnet never connects to a URI read from a file'),
		});
		const demoUri = (JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as {uri: string}).uri;
		const applyDemo = await runCli(['apply', join(out, 'plan.json'), '--yes', '--connect', demoUri]);
		expect(applyDemo).toMatchObject({
			exitCode: 2,
			stderr: expect.stringContaining('this plan is for a test-driver or demo host'),
		});
		expect((await runCli(['doctor', '--demo', '--fix', 'nosuch', '--out', out])).stderr).toMatch(
			/^kvmnet: --fix: there is no check "nosuch"; the checks are: forwarding, ipv6-ra, bridge-netfilter, docker, /,
		);
		expect((await runCli(['doctor', '--demo', '--fix', 'libvirt-features', '--out', out])).stderr).toBe(
			'kvmnet: --fix: the check libvirt-features passes: nothing to fix',
		);
	});

	it('plan without --mode, or with plan options on another command, is refused', async () => {
		expect((await runCli(['plan', '--demo'])).stderr).toContain('kvmnet: plan needs --mode, one of: nat, bridge');
		expect((await runCli(['inventory', '--subnet', '10.0.0.0/24'])).stderr).toBe(
			'kvmnet: --subnet goes with the plan command: kvmnet plan --mode MODE …',
		);
		expect((await runCli(['plan', '--mode', 'nat', '--format', 'yaml'])).stderr).toBe(
			'kvmnet: --format: "yaml" is not one of text, xml, script, json',
		);
	});
});
