// The wizard driven through the app with ink-testing-library, from the inventory to the preview, keys in bursts.
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {App} from '../source/app.js';
import {loadDemoHost} from '../source/host/demo.js';
import {savePlan} from '../source/host/plan-files.js';
import {plainTheme} from '../source/ui/theme.js';
import {until} from './harness/frames.js';

const down = (n: number) => '\x1b[B'.repeat(n);

async function openWizard() {
	const dir = mkdtempSync(join(tmpdir(), 'kvmnet-wizard-'));
	const app = render(
		<App
			load={() => loadDemoHost()}
			theme={plainTheme}
			planDirectory={(name) => join(dir, name)}
			save={(plan) => savePlan(plan, plan.directory)}
		/>,
	);
	await until(app.lastFrame, 'NIC eth0');
	app.stdin.write('n');
	await until(app.lastFrame, 'New network: choose a mode');
	return {app, dir};
}

describe('the wizard', () => {
	it('NAT: defaults from the host, an overlap caught as it is typed, then the preview and a saved plan', async () => {
		const {app, dir} = await openWizard();
		app.stdin.write('\r');
		let frame = await until(app.lastFrame, 'NAT: new network on demo-kvm01');
		expect(frame).toMatch(/IPv4 subnet\s+192\.168\.100\.0\/24/);
		expect(frame).toContain('✓ Ready');
		// Down to the subnet, clear it and type an address range the host already uses, in one burst.
		app.stdin.write(`${down(2)}\x15192.168.122.0/24`);
		await until(app.lastFrame, '✗ subnet: 192.168.122.0/24 overlaps the route to 192.168.122.0/24 on virbr0');
		app.stdin.write('\r');
		expect(app.lastFrame()).toContain('NAT: new network');
		app.stdin.write('\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f10.99.0.0/24');
		await until(app.lastFrame, 'gateway: 192.168.100.1 is not inside 10.99.0.0/24');
		app.stdin.write(`${down(1)}\x1510.99.0.1${down(1)}\x1510.99.0.10${down(1)}\x1510.99.0.99\r`);
		frame = await until(app.lastFrame, 'Preview: NAT lab-nat');
		expect(frame).toContain('<range start="10.99.0.10" end="10.99.0.99"/>');
		app.stdin.write('3');
		frame = await until(app.lastFrame, '1. Define libvirt network lab-nat');
		expect(frame).toContain('undo: virsh -c test:///');
		app.stdin.write('s');
		await until(app.lastFrame, /Saved 4 files in /);
		const plan = JSON.parse(readFileSync(join(dir, 'lab-nat', 'plan.json'), 'utf8'));
		expect(plan.params).toMatchObject({subnet: '10.99.0.0/24', gateway: '10.99.0.1'});
		expect(readFileSync(join(dir, 'lab-nat', 'plan.sh'), 'utf8')).toMatch(/^#!\/usr\/bin\/env bash\n/);
		app.unmount();
	});

	it('bridge: reuses the host bridge that holds a physical NIC, and says so in the warnings', async () => {
		const {app} = await openWizard();
		app.stdin.write(`${down(1)}\r`);
		const frame = await until(app.lastFrame, 'Bridge (VMs on the LAN): new network');
		expect(frame).toMatch(/Bridge\s+br0/);
		app.stdin.write('\r4');
		await until(app.lastFrame, 'br0 already exists: the plan only adds the libvirt network on top of it.');
		app.stdin.write('\x1b');
		// A new bridge over the SSH NIC instead: the uplink is chosen with → from the wired NICs.
		app.stdin.write(`${down(1)}\x15br9${down(1)}\x1b[C\r3`);
		await until(app.lastFrame, 'Create NetworkManager bridge br9 with the addresses of eth0');
		app.stdin.write('4');
		await until(app.lastFrame, /changes eth0, which carries your SSH session/);
		app.unmount();
	});

	it('macvtap: Wi-Fi is refused by name, a wired NIC gives the pool network', async () => {
		const {app} = await openWizard();
		app.stdin.write(`${down(5)}\r`);
		await until(app.lastFrame, 'macvtap bridge: new network');
		app.stdin.write(`${down(1)}\x15wlan0`);
		await until(app.lastFrame, '✗ uplink: wlan0 is Wi-Fi');
		app.stdin.write('\x15eth1\r');
		const frame = await until(app.lastFrame, 'Preview: macvtap bridge');
		expect(frame).toContain('<forward mode="bridge">');
		expect(frame).toContain('<interface dev="eth1"/>');
		app.unmount();
	});

	it('a mode this host cannot do is dimmed and refused with the reason', async () => {
		const view = render(
			<App
				load={async () => ({
					...(await loadDemoHost()),
					capabilities: {
						iommuGroups: 0,
						ovs: 'missing',
						networkManager: {kind: 'iproute2', reason: '', connections: {}},
					},
				})}
				theme={plainTheme}
			/>,
		);
		await until(view.lastFrame, 'NIC eth0');
		view.stdin.write(`n${down(12)}`);
		let frame = await until(view.lastFrame, '› Open vSwitch ✗');
		expect(frame).toContain('✗ Not possible on this host: Open vSwitch is not installed');
		view.stdin.write('\r');
		frame = await until(view.lastFrame, 'Open vSwitch is not possible here');
		expect(frame).toContain('New network: choose a mode');
		view.unmount();
	});

	it('questions: the recommendation follows the answers, Enter takes it', async () => {
		const {app} = await openWizard();
		app.stdin.write('w');
		await until(app.lastFrame, 'Recommended: NAT');
		// LAN must reach the VMs: yes.
		app.stdin.write('y');
		let frame = await until(app.lastFrame, 'Recommended: Bridge (VMs on the LAN)');
		expect(frame).toContain('Runner-up: macvtap bridge');
		app.stdin.write(`${down(4)}y`);
		await until(app.lastFrame, 'Recommended: VLAN (tagged segments)');
		app.stdin.write('\r');
		frame = await until(app.lastFrame, 'VLAN (tagged segments): new network');
		expect(frame).toMatch(/VLAN method\s+ovs/);
		app.unmount();
	});

	it('the comparison shows every mode with every column filled', async () => {
		const {app} = await openWizard();
		app.stdin.write('c');
		let frame = await until(app.lastFrame, 'Compare the modes');
		for (const title of ['NAT', 'Routed', 'macvtap VEPA', 'SR-IOV VF pool', 'Open vSwitch'])
			expect(frame).toContain(title);
		// ink-testing-library's terminal is 100 columns: three comparison columns a page, two pages.
		expect(frame).toContain('(columns 1/2)');
		app.stdin.write('\x1b[C');
		frame = await until(app.lastFrame, 'Suits');
		expect(frame).toContain('NFV, high packet rates');
		app.unmount();
	});
});
