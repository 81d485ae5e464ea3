// kvmnet without a terminal: arguments, help, plain text when piped, JSON for scripts.
import {describe, expect, it} from 'vitest';
import {parseArgs, UsageError} from '../source/args.js';
import {runCli} from './harness/cli.js';

describe('arguments', () => {
	it('reads commands and options', () => {
		expect(parseArgs([])).toEqual({command: 'tui', json: false, demo: false});
		expect(parseArgs(['inventory', '--json', '-c', 'qemu:///system'])).toEqual({command: 'inventory', json: true, demo: false, connect: 'qemu:///system'});
		expect(parseArgs(['--connect=test:///default', 'inventory'])).toMatchObject({connect: 'test:///default'});
		expect(parseArgs(['inventory', '--demo'])).toMatchObject({command: 'inventory', demo: true});
	});

	it.each([
		[['--frobnicate'], 'unknown option --frobnicate (see kvmnet --help)'],
		[['apply'], 'unknown command "apply": the commands are: inventory'],
		[['inventory', 'extra'], 'unexpected argument "extra" (see kvmnet --help)'],
		[['--connect'], '--connect needs a libvirt URI, e.g. --connect qemu:///system'],
		[['-c', '--demo'], '-c needs a libvirt URI, e.g. -c qemu:///system'],
		[['--connect', 'localhost'], '--connect: "localhost" is not a libvirt URI (expected driver://…, e.g. qemu:///system or test:///abs/path/host.xml)'],
		[['--json'], '--json goes with the inventory command: kvmnet inventory --json'],
		[['--demo', '-c', 'qemu:///system'], '--demo and --connect cannot be used together: the demo host has its own libvirt'],
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
		for (const heading of ['== NICs (24) ==', '== Bridges (8) ==', '== Networks (14) ==', '== VMs (3) ==', '== Topology']) expect(result.stdout).toContain(heading);
		expect(result.stdout).toMatch(/^eth0 \[SSH\] +physical +up +1G/m);
		expect(result.stdout).toMatch(/^macvtap-passthrough +macvtap \(passthrough\) +active/m);
	});

	it('prints the whole host model as JSON', async () => {
		const result = await runCli(['inventory', '--json', '--demo']);
		const model = JSON.parse(result.stdout);
		expect(model.source).toBe('demo');
		expect(Object.keys(model)).toEqual(['source', 'header', 'nics', 'bridges', 'networks', 'vms', 'routes', 'problems', 'scan']);
		expect(model.nics.find((n: {name: string}) => n.name === 'enp3s0f0').sriov).toEqual({totalVfs: 63, numVfs: 2});
	});
});
