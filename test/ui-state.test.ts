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

const loaded = (height = 24) => reduce(initialState(80, height), {type: 'loaded', model: demo});

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
		expect(s).toMatchObject({loading: true, refreshCount: 1});
		s = press(s, 'r');
		expect(s.refreshCount).toBe(1);
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
