import {beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import {loadDemoHost} from '../source/host/demo.js';
import {parseKeys} from '../source/ui/keys.js';
import {initialState, listHeight, reduce, type UiState} from '../source/ui/state.js';

let demo: HostModel;
beforeAll(async () => {
	demo = await loadDemoHost();
});

function press(state: UiState, input: string): UiState {
	return parseKeys(input).reduce((s, key) => reduce(s, {type: 'key', key}), state);
}

// As the app would have it: the first scan request taken, and its answer in.
const loaded = (height = 24) =>
	reduce(reduce(initialState(80, height), {type: 'requests-taken', ids: [1]}), {type: 'loaded', model: demo});

describe('UI state', () => {
	it('moves, pages and stops at the ends', () => {
		let s = press(loaded(), '2');
		expect(s.tab).toBe('nics');
		s = press(s, 'jjj');
		expect(s.cursor.nics).toBe(3);
		s = press(s, 'k');
		expect(s.cursor.nics).toBe(2);
		s = press(s, 'G');
		expect(s.cursor.nics).toBe(demo.nics.length - 1);
		expect(s.offset.nics).toBe(demo.nics.length - listHeight(s));
		s = press(s, '\x1b[6~');
		expect(s.cursor.nics).toBe(demo.nics.length - 1);
		s = press(s, 'g\x1b[A');
		expect(s).toMatchObject({cursor: {nics: 0}, offset: {nics: 0}});
	});

	it('keeps the cursor in view while scrolling', () => {
		let s = press(loaded(12), '2');
		const height = listHeight(s);
		s = press(s, 'j'.repeat(height + 2));
		expect(s.cursor.nics).toBe(height + 2);
		expect(s.offset.nics).toBe(3);
	});

	it('switches views with Tab, Shift-Tab, arrows and digits, each keeping its own cursor', () => {
		let s = press(loaded(), '\tjj');
		expect(s.tab).toBe('nics');
		s = press(s, '\t\t\t');
		expect(s.tab).toBe('vms');
		expect(press(s, '\t').tab).toBe('topology');
		s = press(s, '\x1b[Z\x1b[D');
		expect(s.tab).toBe('bridges');
		s = press(s, '2');
		expect(s.cursor.nics).toBe(2);
	});

	it('opens details of the selected row and goes back with Esc', () => {
		let s = press(loaded(12), '4\x1b[B\r');
		expect(s.screen).toBe('details');
		expect(s.details?.title).toBe(`libvirt network ${demo.networks[1]!.name}`);
		expect(s.details?.lines.some((l) => l.includes('<network'))).toBe(true);
		s = press(s, 'G');
		expect(s.detailsOffset).toBeGreaterThan(0);
		s = press(s, '\x1b');
		expect(s.screen).toBe('inventory');
	});

	it('handles keys while loading and asks for a refresh once', () => {
		let s = press(initialState(80, 24), 'jj\r');
		expect(s.screen).toBe('inventory');
		s = press(loaded(), 'r');
		expect(s.loading).toBe(true);
		expect(s.requests.filter((r) => r.kind === 'scan')).toHaveLength(1);
		s = press(s, 'r');
		expect(s.requests.filter((r) => r.kind === 'scan')).toHaveLength(1);
	});

	it('quits with q from the lists, Ctrl-C anywhere, and q only goes back from details and help', () => {
		expect(press(loaded(), 'q').quit).toBe(true);
		expect(press(loaded(), '\r\x03').quit).toBe(true);
		const s = press(loaded(), '\rq');
		expect(s).toMatchObject({screen: 'inventory', quit: false});
		expect(press(loaded(), '?q')).toMatchObject({screen: 'inventory', quit: false});
	});

	it('after a refresh, keeps the cursor on the same object', () => {
		let s = press(loaded(), '2' + 'j'.repeat(5));
		const name = s.tables!.nics.rows[5]!.name;
		const fewer: HostModel = {...demo, nics: demo.nics.filter((n) => n.name !== 'lo')};
		s = reduce(s, {type: 'loaded', model: fewer});
		expect(s.tables!.nics.rows[s.cursor.nics]!.name).toBe(name);
	});
});

describe('requests', () => {
	const kinds = (s: UiState) => s.requests.map((r) => r.kind);

	it('the preview asks to save its plan, and a opens the apply with that plan; y asks to apply it', () => {
		let s = press(loaded(), 'n\r\r');
		expect(s.screen).toBe('preview');
		const plan = s.wizard.plan!;
		s = press(s, 's');
		expect(s.requests.at(-1)).toMatchObject({kind: 'save', plan});
		s = press(s, 'a');
		expect(s.screen).toBe('apply');
		expect(s.apply).toMatchObject({plan, from: 'preview', phase: 'confirm'});
		s = press(s, 'y');
		expect(s.requests.at(-1)).toMatchObject({kind: 'apply', plan});
		// Each request has its own id; once taken, it leaves the queue.
		const ids = s.requests.map((r) => r.id);
		expect(new Set(ids).size).toBe(ids.length);
		s = reduce(s, {type: 'requests-taken', ids});
		expect(s.requests).toEqual([]);
	});

	it('Ctrl-C or Esc while the plan is checked (before the first step) asks to stop, and does not quit', () => {
		for (const key of ['\x03', '\x1b']) {
			let s = press(loaded(), 'n\r\ray');
			expect(s.apply?.phase).toBe('checking');
			s = press(s, key);
			expect(kinds(s).filter((k) => k === 'stop')).toHaveLength(1);
			expect(s.quit).toBe(false);
			expect(s.apply?.stopping).toBe(true);
		}
	});

	it('Esc while running asks to stop once; after the change, Enter goes back with a rescan and drops the plan', () => {
		let s = press(loaded(), 'n\r\ray');
		s = reduce(s, {type: 'apply-phase', phase: 'running'});
		s = press(s, '\x1b\x1b\x03');
		expect(kinds(s).filter((k) => k === 'stop')).toHaveLength(1);
		expect(s.quit).toBe(false);
		s = reduce(s, {type: 'apply-phase', phase: 'done'});
		s = press(s, '\r');
		expect(s).toMatchObject({screen: 'inventory', apply: undefined, loading: true});
		expect(s.wizard.plan).toBeUndefined();
		expect(kinds(s).at(-1)).toBe('scan');
	});

	it('the doctor asks for its facts when opened and after a rescan comes in', () => {
		let s = press(loaded(), 'd');
		expect(s.screen).toBe('doctor');
		expect(kinds(s)).toEqual(['diagnose']);
		// r waits for the facts asked for (or their failure) before asking again.
		expect(kinds(press(s, 'r'))).toEqual(['diagnose']);
		s = press(reduce(s, {type: 'doctor-failed', error: 'no facts here'}), 'r');
		expect(kinds(s)).toEqual(['diagnose', 'scan']);
		s = reduce(s, {type: 'loaded', model: demo});
		expect(kinds(s)).toEqual(['diagnose', 'scan', 'diagnose']);
	});

	it('a guarded change: y asks to keep it, n (or Ctrl-C) to undo it', () => {
		const keeping = reduce(press(loaded(), 'n\r\ray'), {type: 'apply-phase', phase: 'keep'});
		expect(press(keeping, 'y').requests.at(-1)?.kind).toBe('keep');
		expect(press(keeping, 'n').requests.at(-1)?.kind).toBe('undo');
		expect(press(keeping, '\x03')).toMatchObject({quit: false, apply: {phase: 'running'}});
	});

	it('p probes the selected network only; while it runs Esc and Ctrl-C ask once to stop it, after it Ctrl-C quits', () => {
		const elsewhere = press(loaded(), '2p');
		expect(kinds(elsewhere)).toEqual([]);
		expect(elsewhere.notice).toMatch(/select one in the Networks view \(4\)/);
		expect(press(elsewhere, 'j').notice).toBeUndefined();
		let s = press(loaded(), '4p');
		const network = demo.networks[0]!.name;
		expect(s).toMatchObject({screen: 'probe', probe: {network, phase: 'running'}});
		expect(s.requests.at(-1)).toMatchObject({kind: 'probe', network});
		s = reduce(s, {type: 'probe-line', text: '$ ip netns add kvmnet-probe-1-a'});
		s = press(s, '\x1b\x03q');
		expect(kinds(s).filter((k) => k === 'probe-stop')).toHaveLength(1);
		expect(s).toMatchObject({screen: 'probe', quit: false, probe: {stopping: true}});
		const report = {network, mode: 'nat', attach: 'stopped', checks: []};
		s = reduce(s, {type: 'probe-report', report});
		expect(s.probe).toMatchObject({phase: 'done', report});
		// A late line of the stopped probe changes nothing.
		expect(reduce(s, {type: 'probe-line', text: 'late'}).probe?.log).toHaveLength(1);
		expect(press(s, 'r').requests.at(-1)).toMatchObject({kind: 'probe', network});
		expect(press(s, '\x1b')).toMatchObject({screen: 'inventory'});
		expect(press(s, '\x03').quit).toBe(true);
		const failed = reduce(press(loaded(), '4p'), {type: 'probe-failed', error: 'it needs root'});
		expect(failed.probe).toMatchObject({phase: 'failed', error: 'it needs root'});
	});

	it('after an apply that made a network, p rescans and probes it; after one that did not, p does nothing', () => {
		const applied = (status: string) =>
			reduce(reduce(press(loaded(), 'n\r\ray'), {type: 'apply-phase', phase: 'done'}), {
				type: 'apply-journal',
				journal: {status, path: '/j.json', leftovers: []} as never,
			});
		const s = press(applied('applied'), 'p');
		const name = s.probe?.network;
		expect(name).toBeTruthy();
		expect(s).toMatchObject({screen: 'probe', apply: undefined});
		expect(kinds(s).slice(-2)).toEqual(['scan', 'probe']);
		// The rescan's answer keeps the probe on the screen.
		expect(reduce(s, {type: 'loaded', model: demo}).screen).toBe('probe');
		expect(press(applied('rolled-back'), 'p')).toMatchObject({screen: 'apply'});
	});
});
