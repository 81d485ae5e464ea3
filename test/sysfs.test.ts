// readSysfsFacts on a sysfs-shaped directory tree (this machine has no SR-IOV or Wi-Fi NIC to read), and the one
// question a remote host is asked for a whole folder (readEach), answered by the same script a remote's sh runs.
import {mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {execa} from 'execa';
import {batchedFiles, localFiles, type EachQuestion} from '../source/host/files.js';
import {readSysfsFacts} from '../source/host/scan-links.js';
import type {RunResult} from '../source/host/runner.js';

function fakeSysfs(): string {
	const root = mkdtempSync(join(tmpdir(), 'kvmnet-sysfs-'));
	const devices = join(root, 'devices');
	const net = join(root, 'class/net');
	mkdirSync(net, {recursive: true});
	const nic = (name: string, driver: string, files: Record<string, string>, extraDirs: string[] = []) => {
		const device = join(devices, name);
		mkdirSync(join(device, 'driver-target'), {recursive: true});
		symlinkSync(join(devices, `drivers/${driver}`), join(device, 'driver'));
		mkdirSync(join(net, name));
		symlinkSync(device, join(net, name, 'device'));
		for (const [file, content] of Object.entries(files))
			writeFileSync(file.startsWith('device/') ? join(device, file.slice(7)) : join(net, name, file), content);
		for (const dir of extraDirs) mkdirSync(join(net, name, dir));
	};
	nic('enp3s0f0', 'ixgbe', {speed: '10000\n', 'device/sriov_totalvfs': '63\n', 'device/sriov_numvfs': '4\n'});
	nic('wlp2s0', 'iwlwifi', {speed: '-1\n'}, ['wireless']);
	mkdirSync(join(net, 'veth0'));
	writeFileSync(join(net, 'veth0', 'speed'), '10000\n');
	return net;
}

describe('sysfs facts', () => {
	const net = fakeSysfs();

	it('reads speed, driver and SR-IOV counts of a device-backed NIC', async () => {
		expect(await readSysfsFacts(net, 'enp3s0f0')).toEqual({
			hasDevice: true,
			wireless: false,
			speedMbps: 10000,
			driver: 'ixgbe',
			sriovTotalVfs: 63,
			sriovNumVfs: 4,
		});
	});

	it('finds a wireless NIC and treats speed -1 as unknown', async () => {
		expect(await readSysfsFacts(net, 'wlp2s0')).toEqual({hasDevice: true, wireless: true, driver: 'iwlwifi'});
	});

	it('reads nothing more for a virtual link (no device) or a missing one', async () => {
		expect(await readSysfsFacts(net, 'veth0')).toEqual({});
		expect(await readSysfsFacts(net, 'gone0')).toEqual({});
	});
});

describe('readEach: one question for a whole folder', () => {
	const net = fakeSysfs();
	mkdirSync(join(net, '.hidden0'));
	symlinkSync(join(net, 'enp3s0f0', 'device'), join(net, '.hidden0', 'device'));
	const questions: EachQuestion[] = [
		{kind: 'link', path: 'device/driver'},
		{kind: 'read', path: 'speed'},
		{kind: 'exists', path: 'wireless'},
		{kind: 'read', path: 'device/sriov_numvfs'},
		{kind: 'read', path: 'nothing-here'},
	];
	const driver = (name: string) => join(net, '../../devices/drivers', name);
	// The remote side's sh, run here: the batch's script, its paths and questions on stdin.
	const shHere = async (argv: string[], input: string) => {
		const result = await execa(argv[0]!, argv.slice(1), {input, reject: false});
		return {ok: result.exitCode === 0, stdout: result.stdout, stderr: result.stderr} as RunResult;
	};
	it('answers every entry with the probe, here and through the remote script alike', async () => {
		const here = await localFiles.readEach(net, 'device', questions);
		const remote = await batchedFiles(shHere).readEach(net, 'device', questions);
		expect(here).toEqual(remote);
		// veth0 has no device; a hidden entry is listed too; "" says the path exists, undefined that it does not.
		expect(new Map([...remote].sort(([a], [b]) => a.localeCompare(b)))).toEqual(
			new Map([
				['.hidden0', [driver('ixgbe'), undefined, undefined, '4', undefined]],
				['enp3s0f0', [driver('ixgbe'), '10000', undefined, '4', undefined]],
				['wlp2s0', [driver('iwlwifi'), '-1', '', undefined, undefined]],
			]),
		);
	});

	it('goes in the same batch as the other reads, and a missing folder has no entries', async () => {
		const batches: string[] = [];
		const files = batchedFiles(async (argv, input) => {
			batches.push(input);
			return shHere(argv, input);
		});
		const [rows, speed, none] = await Promise.all([
			files.readEach(net, 'device', questions),
			files.read(join(net, 'veth0', 'speed')),
			files.readEach(join(net, 'missing'), 'device', questions),
		]);
		expect(batches).toHaveLength(1);
		expect(rows.size).toBe(3);
		expect(speed).toBe('10000\n');
		expect(none.size).toBe(0);
	});

	it('refuses a question with a space (the remote script splits on them)', async () => {
		await expect(batchedFiles(shHere).readEach(net, 'device', [{kind: 'read', path: 'a b'}])).rejects.toThrow(/spaces/);
	});
});
