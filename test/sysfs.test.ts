// readSysfsFacts on a sysfs-shaped directory tree (this machine has no SR-IOV or Wi-Fi NIC to read).
import {mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readSysfsFacts} from '../source/host/scan-links.js';

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
