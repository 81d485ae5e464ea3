// Screens rendered alone, from their own narrow props (no app, no reducer), at 80x24 with ink-testing-library: what a
// user reads on each (title, rows, the status bar from the key tables) and that it fits the terminal.
import {stripVTControlCharacters} from 'node:util';
import {render} from 'ink-testing-library';
import type {ReactElement} from 'react';
import {beforeAll, describe, expect, it} from 'vitest';
import {ApplyScreen} from '../screens/apply-screen.js';
import {DetailsScreen} from '../screens/details-screen.js';
import {DoctorScreen} from '../screens/doctor-screen.js';
import {HelpScreen} from '../screens/help-screen.js';
import {InventoryScreen} from '../screens/inventory-screen.js';
import {ProbeScreen} from '../screens/probe-screen.js';
import {runChecks, type DoctorFacts} from '../source/core/doctor/index.js';
import type {HostModel} from '../source/core/model.js';
import {loadDemoHost} from '../source/host/demo.js';
import {makePlan} from '../source/plan/planner.js';
import {initialApply} from '../source/ui/apply-state.js';
import {applyBindings, helpRows, hintLine, screenBindings} from '../source/ui/bindings.js';
import {detailsFor} from '../source/ui/details.js';
import type {DoctorView} from '../source/ui/doctor-state.js';
import {openProbe, probeResultLines, type ProbeView} from '../source/ui/probe-state.js';
import {spareLine} from '../source/ui/layout.js';
import {plainTheme, ThemeContext} from '../source/ui/theme.js';
import {buildTables} from '../source/ui/views.js';

const width = 80;
const height = 24;

let demo: HostModel;
beforeAll(async () => {
	demo = await loadDemoHost();
});

/** The screen's one frame as lines, checked to fit: no line wider than the terminal, one line left free at the
 * bottom (Ink redraws the whole terminal once a frame is as tall as it). ink-testing-library's terminal is 100
 * columns wide, so a screen that ignored its width would show here. */
function lines(screen: ReactElement, rows = height): string[] {
	const app = render(<ThemeContext.Provider value={plainTheme}>{screen}</ThemeContext.Provider>);
	const frame = stripVTControlCharacters(app.lastFrame() ?? '');
	app.unmount();
	const result = frame.split('\n').map((line) => line.trimEnd());
	expect(result.length).toBeLessThanOrEqual(rows - spareLine);
	for (const line of result) expect([...line].length, line).toBeLessThanOrEqual(width);
	return result;
}

/** Ink's truncate-end at the terminal's width. */
const truncated = (text: string) => ([...text].length <= width ? text : `${[...text].slice(0, width - 1).join('')}…`);

describe('the details screen', () => {
	it('shows the object, its lines and the keys', () => {
		const row = buildTables(demo).networks.rows.find((r) => r.name === 'host-bridge')!;
		const details = detailsFor(demo, row);
		const shown = lines(<DetailsScreen details={details} offset={0} width={width} height={height} />);
		expect(shown[0]).toBe(`libvirt network host-bridge  (1-${details.lines.length} of ${details.lines.length})`);
		expect(shown.slice(1, 1 + details.lines.length)).toEqual(details.lines);
		expect(shown).toContain('Bridge:       br0');
		expect(shown).toContain('  <forward mode="bridge"/>');
		expect(shown.at(-1)).toBe(hintLine(screenBindings.details));
		expect(shown.at(-1)).toBe('↑↓ PgUp PgDn scroll · Esc back · ? keys');
	});

	it('shows a page from its offset when the object has more lines than fit', () => {
		const details = {title: 'NIC eth9', lines: Array.from({length: 40}, (_, i) => `line ${i + 1}`)};
		const shown = lines(<DetailsScreen details={details} offset={5} width={width} height={height} />);
		// 24 lines: the title, 21 rows, the status bar and the spare line.
		expect(shown[0]).toBe('NIC eth9  (6-26 of 40)');
		expect(shown.slice(1, -1)).toEqual(details.lines.slice(5, 26));
		expect(shown.at(-1)).toBe(hintLine(screenBindings.details));
	});
});

describe('the help screen', () => {
	it('lists every inventory key, why the demo is shown and the scan problems', () => {
		const model = {
			...demo,
			demoReason: 'libvirt is not installed here: showing the demo host.',
			problems: [{area: 'ovs', message: 'ovsdb-server is not running'}],
		};
		const shown = lines(<HelpScreen model={model} width={width} />);
		expect(shown[0]).toBe('kvmnet keys');
		const keys = helpRows(screenBindings.inventory);
		expect(keys.length).toBeGreaterThan(5);
		expect(shown.slice(1, 1 + keys.length)).toEqual(keys.map(([key, what]) => truncated(`  ${key.padEnd(18)}${what}`)));
		// Whole, not cut at 80 columns.
		expect(shown).toContain('  n                 new network: pick a mode (or answer questions), fill in');
		expect(shown).toContain('libvirt is not installed here: showing the demo host.');
		expect(shown).toContain('ovs: ovsdb-server is not running');
		expect(shown.at(-1)).toBe(hintLine(screenBindings.help));
		expect(shown.at(-1)).toBe('Esc, q or ? to go back');
	});

	it('shows no demo reason or problems before the first scan', () => {
		const shown = lines(<HelpScreen width={width} />);
		expect(shown[0]).toBe('kvmnet keys');
		const keys = helpRows(screenBindings.inventory).length;
		// After the keys: a blank line, the [SSH] sentence (wrapped at the width), and the status bar, nothing else.
		expect(shown[1 + keys]).toBe('');
		expect(
			shown
				.slice(2 + keys, -1)
				.map((line) => line.trim())
				.join(' '),
		).toBe(
			"[SSH] marks the interface your SSH connection arrives by (on a remote host, kvmnet's own connection to it): changing it can cut you off.",
		);
		expect(shown.at(-1)).toBe(hintLine(screenBindings.help));
	});
});

describe('the inventory screen before the first scan', () => {
	it('says what it is doing: this host, or the remote one and how it is reached', () => {
		const empty = {tab: 'nics' as const, cursor: 0, offset: 0, loading: true, width, height: 24};
		expect(lines(<InventoryScreen {...empty} />).join('\n')).toContain('Scanning this host…');
		expect(
			lines(<InventoryScreen {...empty} scanning="Connecting to root@kvm2 over ssh and scanning it…" />).join('\n'),
		).toContain('Connecting to root@kvm2 over ssh and scanning it…');
	});
});

describe('the doctor screen', () => {
	// A healthy host's facts (libvirt's nft table present, nothing else on the ports) with IPv4 forwarding off.
	const facts: DoctorFacts = {
		sysctl: {
			'net.ipv4.ip_forward': '0',
			'net.ipv6.conf.all.forwarding': '1',
			'net.ipv6.conf.all.accept_ra': '2',
			'net.bridge.bridge-nf-call-iptables': '0',
			'net.bridge.bridge-nf-call-ip6tables': '0',
			'net.bridge.bridge-nf-call-arptables': '0',
		},
		iptables: {rules: ['-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT']},
		nftTables: ['table inet libvirt_network'],
		firewalld: false,
		ufw: false,
		docker: false,
		listeners: [],
		devices: {kvm: true, tun: true, vhostNet: true},
		vfio: true,
		vfPersistence: [],
		raInterfaces: [],
	};
	const view = (cursor: number): DoctorView => ({
		loading: false,
		facts,
		results: runChecks(demo, facts),
		cursor,
		offset: 0,
	});

	it('shows the counts, the failure first with its fix, and f to apply it', () => {
		const results = runChecks(demo, facts);
		expect(results.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual(['forwarding']);
		const shown = lines(<DoctorScreen view={view(0)} model={demo} width={width} height={height} />);
		expect(shown[0]).toMatch(/^Doctor: 1 failed · \d+ warnings · \d+ ok · \d+ n\/a \(demo host\)$/);
		expect(shown.slice(1, 3)).toEqual(['kernel settings', '› FAIL  IP forwarding']);
		expect(shown).toContain('  ok    IPv6 router advertisements under forwarding');
		expect(shown).toContain('─'.repeat(width));
		expect(shown).toContain('    1. sysctl -w net.ipv4.ip_forward=1');
		expect(shown).toContain('       undo: sysctl -w net.ipv4.ip_forward=0');
		expect(shown.find((line) => line.startsWith('  seen: '))).toContain('net.ipv4.ip_forward = 0');
		expect(shown.at(-1)).toBe(hintLine(screenBindings.doctor));
		expect(shown.at(-1)).toBe('↑↓ move · f apply this fix · r check again · Esc back');
		// 24 lines: the title, the list, the rule, the selected check's details, the status bar and the spare line.
		expect(shown).toHaveLength(height - spareLine);
	});

	it('names a remote host in the title: the checks are its own', () => {
		const remote: HostModel = {
			...demo,
			source: 'live',
			header: {...demo.header, hostname: 'kvm2', remote: {via: 'ssh root@kvm2', hostFacts: true}},
		};
		const shown = lines(<DoctorScreen view={view(0)} model={remote} width={width} height={height} />);
		expect(shown[0]).toMatch(/^Doctor on kvm2: 1 failed · \d+ warnings · \d+ ok · \d+ n\/a$/);
	});

	it('offers no fix for a check that passes, and says nothing of a demo on another host', () => {
		const shown = lines(
			<DoctorScreen view={view(1)} model={{...demo, source: 'live'}} width={width} height={height} />,
		);
		expect(shown[0]).toMatch(/^Doctor: 1 failed · \d+ warnings · \d+ ok · \d+ n\/a$/);
		expect(shown).toContain('› ok    IPv6 router advertisements under forwarding');
		expect(shown).toContain('  FAIL  IP forwarding');
		expect(shown.at(-1)).toBe(hintLine(screenBindings.doctor, ['fix']));
		expect(shown.at(-1)).not.toContain('f apply');
	});

	it('says it is checking until the first results are in', () => {
		const shown = lines(
			<DoctorScreen
				view={{loading: true, results: [], cursor: 0, offset: 0}}
				model={demo}
				width={width}
				height={height}
			/>,
		);
		expect(shown.slice(0, 2)).toEqual(['Doctor (demo host)', 'Checking this host…']);
		expect(shown.at(-1)).toBe(hintLine(screenBindings.doctor, ['fix']));
	});
});

describe('the apply screen, before anything is changed', () => {
	const options = () => ({uri: demo.header.libvirt.uri, directory: () => '/tmp/kvmnet-never-written'});

	it("lists a NAT plan's steps and asks for y", () => {
		const {plan, errors} = makePlan('nat', {}, demo, options());
		expect(errors).toEqual([]);
		const shown = lines(
			<ApplyScreen view={initialApply(plan!, 'preview')} model={demo} width={width} height={height} />,
		);
		expect(shown).toEqual([
			'Apply: nat lab-nat: this will change the host',
			'  1. Define libvirt network lab-nat',
			'  2. Start network lab-nat',
			'  3. Start lab-nat at boot',
			'',
			hintLine(applyBindings.confirm),
		]);
		expect(shown.at(-1)).toBe('y apply now · Esc back (nothing has been changed)');
	});

	it("warns when steps change the SSH session's interface, naming it", () => {
		const {plan, errors} = makePlan('bridge', {bridge: 'br9', uplink: 'eth0'}, demo, options());
		expect(errors).toEqual([]);
		expect(demo.header.ssh?.interface).toBe('eth0');
		const risky = plan!.steps.filter((s) => s.touchesSsh).length;
		expect(risky).toBeGreaterThan(0);
		const shown = lines(
			<ApplyScreen view={initialApply(plan!, 'preview')} model={demo} width={width} height={height} />,
		);
		expect(shown[0]).toBe('Apply: bridge lan: this will change the host');
		expect(shown.slice(1, 1 + plan!.steps.length)).toEqual(
			plan!.steps.map((s, i) => truncated(`  ${i + 1}. ${s.title}`)),
		);
		expect(shown).toContain('  2. Add eth0 to br9 as a port');
		const warning = shown.slice(1 + plan!.steps.length, -2).join(' ');
		expect(warning).toBe(
			`⚠ ${risky} step${risky === 1 ? ' changes' : 's change'} eth0, which carries your SSH session. A guard undoes everything unless you confirm within 60 s that you still reach the host.`,
		);
		expect(shown.at(-1)).toBe(hintLine(applyBindings.confirm));
	});

	it('says how many steps do not fit on a short terminal', () => {
		const {plan} = makePlan('bridge', {bridge: 'br9', uplink: 'eth0'}, demo, options());
		const steps = plan!.steps.length;
		const shown = lines(
			<ApplyScreen view={initialApply(plan!, 'preview')} model={demo} width={width} height={12} />,
			12,
		);
		// 12 lines leave 4 for the steps (the title, the warning and the status line take the rest).
		expect(shown.slice(1, 6)).toEqual([
			...plan!.steps.slice(0, 4).map((s, i) => truncated(`  ${i + 1}. ${s.title}`)),
			`  … and ${steps - 4} more`,
		]);
		expect(shown.at(-1)).toBe(hintLine(applyBindings.confirm));
	});
});

describe('the probe screen', () => {
	const failing: ProbeView = {
		...openProbe('lab'),
		phase: 'done',
		report: {
			network: 'lab',
			mode: 'nat',
			attach: 'two veth endpoints on bridge virbr9',
			target: '10.0.0.1',
			checks: [
				{id: 'dhcp', expected: 'yes', result: 'pass', measured: 'yes', evidence: '$ udhcpc'},
				{
					id: 'guest-outside',
					expected: 'yes',
					result: 'fail',
					measured: 'no',
					evidence: '$ ip netns exec kvmnet-probe-9-a ping -c 2 -W 2 10.0.0.1\n2 packets transmitted, 0 received',
					cause:
						'NAT guests do not get out: IP forwarding off, or a FORWARD DROP (Docker, ufw, an nftables ruleset)? See kvmnet doctor, checks forwarding, forward-drop, libvirt-firewall and docker.',
				},
			],
		},
	};

	it('shows the commands while it runs, and Esc to stop', () => {
		const running = {...openProbe('lab'), log: ['$ ip netns add kvmnet-probe-9-a', '$ ip link add kvp9a \x1b[2J']};
		const shown = lines(<ProbeScreen view={running} width={width} height={height} />);
		expect(shown[0]).toBe('Probe of network lab: measuring…');
		// What came from the host is shown, never sent to the terminal as it is.
		expect(shown[2]).toBe('$ ip link add kvp9a \\e[2J');
		expect(shown.at(-1)).toBe("Esc stop (the probe's endpoints are removed)");
	});

	it('shows the matrix, the differing cell with its cause wrapped at spaces, and scrolls', () => {
		const shown = lines(<ProbeScreen view={failing} width={width} height={height} />);
		expect(shown[0]).toBe('Probe of network lab: differs from the promise');
		expect(shown).toContain('guest-outside      yes       no        FAIL');
		expect(shown.join(' ')).toMatch(/likely cause: NAT guests do not get out: .* forward-drop,/);
		expect(shown.at(-1)).toBe(hintLine(screenBindings.probe));
		const all = probeResultLines(failing, width);
		const scrolled = lines(<ProbeScreen view={{...failing, offset: 3}} width={width} height={height} />);
		expect(scrolled[1]).toBe(all[3]);
	});

	it('says why it could not run', () => {
		const failed: ProbeView = {...openProbe('lab'), phase: 'failed', error: 'it needs root (sudo kvmnet …)'};
		const shown = lines(<ProbeScreen view={failed} width={width} height={height} />);
		expect(shown[0]).toBe('Probe of network lab: could not run');
		expect(shown[1]).toBe('The probe could not run: it needs root (sudo kvmnet …)');
	});
});
