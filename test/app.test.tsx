// The interactive app driven through ink-testing-library with real input, including keys in one burst.
import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {App} from '../source/app.js';
import type {HostModel} from '../source/core/model.js';
import {loadDemoDoctorFacts, loadDemoHost} from '../source/host/demo.js';
import {plainTheme} from '../source/ui/theme.js';
import {until} from './harness/frames.js';

function start(load: () => Promise<HostModel> = () => loadDemoHost()) {
	return render(<App load={load} theme={plainTheme} />);
}

describe('App', () => {
	it('shows the demo host, its banner and the topology first', async () => {
		const app = start();
		const frame = await until(app.lastFrame, 'NIC eth0');
		expect(frame).toContain('DEMO HOST');
		expect(frame).toContain('demo-kvm01');
		expect(frame).toMatch(/› NIC eth0 .*\[SSH\]/);
		app.unmount();
	});

	it('applies Down Down Down Enter written at once to the fourth row', async () => {
		const app = start();
		await until(app.lastFrame, 'NIC eth0');
		app.stdin.write('2\x1b[B\x1b[B\x1b[B\r');
		// NICs: lo, eth0, eth1, eth2 → the fourth row is eth2.
		const frame = await until(app.lastFrame, 'NIC eth2  (');
		expect(frame).toContain('Master:       br0 (port forwarding)');
		app.stdin.write('\x1b');
		await until(app.lastFrame, 'Addresses');
		app.unmount();
	});

	it('runs a long burst of mixed keys in order', async () => {
		const app = start();
		await until(app.lastFrame, 'NIC eth0');
		// To VMs, back to Networks, down 10, up 2, down 1 → row 9 (open), then details.
		app.stdin.write('5\x1b[Z' + '\x1b[B'.repeat(10) + 'kkj\r');
		const frame = await until(app.lastFrame, /libvirt network \S+ {2}\(/);
		expect(frame).toContain('libvirt network ovs  (');
		app.unmount();
	});

	it('shows a message, not a crash, when the scan fails, and retries with r', async () => {
		let calls = 0;
		const app = start(async () => {
			calls++;
			if (calls === 1) throw new Error('ip exploded');
			return loadDemoHost();
		});
		await until(app.lastFrame, 'Scan failed: ip exploded');
		app.stdin.write('r');
		await until(app.lastFrame, 'NIC eth0');
		expect(calls).toBe(2);
		app.unmount();
	});

	it("opens the doctor on d, failures first, and turns a fix into the apply screen's plan (keys in one burst)", async () => {
		const app = render(<App load={() => loadDemoHost()} theme={plainTheme} diagnose={() => loadDemoDoctorFacts()} />);
		await until(app.lastFrame, 'NIC eth0');
		app.stdin.write('d');
		let frame = await until(app.lastFrame, /Doctor: \d+ failed/);
		expect(frame).toContain('Doctor: 4 failed · 6 warnings · 11 ok · 0 n/a (demo host)');
		expect(frame).toContain('› FAIL  IP forwarding');
		expect(frame).toContain('1. sysctl -w net.ipv6.conf.eth0.accept_ra=2');
		expect(frame).toContain('f apply this fix');
		// Down three times (past router advertisements and br_netfilter, over the group title) to Docker, and f, at once.
		app.stdin.write('jjjf');
		frame = await until(app.lastFrame, 'Apply: doctor docker');
		expect(frame).toContain("Let traffic across br0 through Docker's firewall");
		app.stdin.write('\x1b');
		frame = await until(app.lastFrame, '› FAIL  Docker and bridged VMs');
		expect(frame).toContain('iptables -I DOCKER-USER -i br0 -o br0 -j ACCEPT');
		app.stdin.write('G');
		frame = await until(app.lastFrame, /› ok +macvtap guests and the host/);
		expect(frame).not.toContain('f apply this fix');
		app.stdin.write('q');
		await until(app.lastFrame, 'd doctor');
		app.unmount();
	});

	it('lists the keys and the scan problems on ?', async () => {
		const app = start(async () => ({
			...(await loadDemoHost()),
			problems: [{area: 'ovs', message: 'ovsdb-server is not running'}],
		}));
		await until(app.lastFrame, '1 problem while scanning');
		app.stdin.write('?');
		const frame = await until(app.lastFrame, 'kvmnet keys');
		expect(frame).toContain('ovs: ovsdb-server is not running');
		app.unmount();
	});
});
