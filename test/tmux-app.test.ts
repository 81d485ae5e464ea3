// The built kvmnet in a real 80x24 terminal under tmux, driven with send-keys and read with capture-pane.
import {existsSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {cliPath} from './harness/cli.js';
import {TmuxSession} from './harness/tmux.js';

const colourCodes = /\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|4[0-7]|38;|48;)[0-9;]*m/;

describe('kvmnet in a terminal (tmux, 80x24)', () => {
	let session: TmuxSession | undefined;
	afterEach(async () => {
		await session?.kill();
		session = undefined;
	});

	it('opens on the topology, follows a burst of keys, and quits cleanly', async () => {
		session = await TmuxSession.start([process.execPath, cliPath, '--demo']);
		const first = await session.waitFor('NIC eth0');
		const lines = first.split('\n');
		// Cut at 80 columns with an ellipsis, after what matters most: whether kvmnet can change anything.
		expect(lines[0]).toMatch(/^demo-kvm01 · root · VT-x \/dev\/kvm · 32 GiB · .*…$/);
		expect(lines.every((line) => line.length <= 80)).toBe(true);
		expect(first).toContain('DEMO HOST (--demo)');
		expect(first).toContain('Enter details');
		// One send-keys call: tmux hands "2", three Downs and Enter to the program together.
		await session.keys('2', 'Down', 'Down', 'Down', 'Enter');
		const details = await session.waitFor('NIC eth2  (');
		expect(details).toContain('Master:       br0 (port forwarding)');
		await session.keys('Escape', '3', 'End');
		const bridges = await session.waitFor(/› virbr4 /);
		expect(bridges).toContain(' 3 Bridges 8 ');
		await session.keys('q');
		expect(await session.waitForExit()).toBe(0);
	});

	it("opens the doctor on d: checks and the selected one's fix fit 80x24; Esc goes back", async () => {
		session = await TmuxSession.start([process.execPath, cliPath, '--demo']);
		await session.waitFor('NIC eth0');
		await session.keys('d', 'Down', 'Down', 'Down');
		const doctor = await session.waitFor('› FAIL  Docker and bridged VMs');
		const lines = doctor.split('\n');
		expect(lines[0]).toBe('Doctor: 4 failed · 6 warnings · 11 ok · 0 n/a (demo host)');
		expect(lines.every((line) => line.length <= 80)).toBe(true);
		expect(lines.length).toBeLessThanOrEqual(24);
		expect(doctor).toContain('1. iptables -I DOCKER-USER -i br0 -o br0 -j ACCEPT');
		expect(doctor).toMatch(/↑↓ move · f apply this fix · r check again · Esc back\s*$/);
		await session.keys('Escape');
		await session.waitFor('d doctor');
		await session.keys('q');
		expect(await session.waitForExit()).toBe(0);
	});

	it('scrolls a long details pane within the screen', async () => {
		session = await TmuxSession.start([process.execPath, cliPath, '--demo']);
		await session.waitFor('NIC eth0');
		await session.keys('4');
		// At 80 columns the wide name and mode columns give up room so each network's subnet shows whole.
		const networks = await session.waitFor('Subnets');
		expect(networks).toMatch(/› default .* virbr0 +192\.168\.122\.1\/24/);
		expect(networks).toMatch(/routed \[SSH\] .* 10\.20\.0\.1\/24/);
		expect(networks.split('\n').every((line) => line.length <= 80)).toBe(true);
		await session.keys('Enter');
		const top = await session.waitFor('libvirt network default  (1-');
		expect(top).toContain('Mode:         NAT');
		await session.keys('End');
		const bottom = await session.waitFor('</network>');
		expect(bottom.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(23);
		await session.keys('C-c');
		expect(await session.waitForExit()).toBe(0);
	});

	it('uses colour, and none at all with NO_COLOR', async () => {
		session = await TmuxSession.start([process.execPath, cliPath, '--demo']);
		await session.waitFor('NIC eth0');
		expect(await session.screen(true)).toMatch(colourCodes);
		await session.kill();
		session = await TmuxSession.start([process.execPath, cliPath, '--demo'], {env: {NO_COLOR: '1'}});
		await session.waitFor('NIC eth0');
		const screen = await session.screen(true);
		expect(screen).not.toMatch(colourCodes);
		// The selection stays visible without colour.
		expect(screen).toContain('› NIC eth0');
	});

	it.skipIf(existsSync('/var/run/libvirt/libvirt-sock'))(
		'falls back to the demo host with a banner when no libvirt answers',
		async () => {
			session = await TmuxSession.start([process.execPath, cliPath]);
			const screen = await session.waitFor('DEMO HOST');
			expect(screen).toContain('no libvirt reachable on this machine. Press ? for how to connect');
			await session.keys('?');
			const help = await session.waitFor('kvmnet keys');
			expect(help).toMatch(/No libvirt answers at qemu:\/\/\/system/);
			expect(help).toContain('--connect');
		},
	);

	it('plans a NAT network in the wizard and saves it, without changing anything', async () => {
		const state = mkdtempSync(join(tmpdir(), 'kvmnet-state-'));
		session = await TmuxSession.start([process.execPath, cliPath, '--demo'], {env: {KVMNET_STATE_DIR: state}});
		await session.waitFor('NIC eth0');
		await session.keys('n', 'Enter');
		const form = await session.waitFor('NAT: new network on demo-kvm01');
		expect(form).toContain('✓ Ready');
		await session.keys('Enter', '3');
		const commands = await session.waitFor('1. Define libvirt network lab-nat');
		// Long command lines wrap instead of being cut at 80 columns.
		expect(commands.split('\n').every((line) => line.length <= 80)).toBe(true);
		expect(commands).toMatch(/net-define\s*\n?\s*\/?/);
		await session.keys('s');
		await session.waitFor('Saved 4 files in');
		const [folder] = readdirSync(join(state, 'plans'));
		expect(readdirSync(join(state, 'plans', folder!)).sort()).toEqual([
			'interface.xml',
			'network-lab-nat.xml',
			'plan.json',
			'plan.sh',
		]);
		expect(readFileSync(join(state, 'plans', folder!, 'network-lab-nat.xml'), 'utf8')).toContain(
			'<name>lab-nat</name>',
		);
		await session.keys('q', 'q');
		expect(await session.waitForExit()).toBe(0);
	});
});
