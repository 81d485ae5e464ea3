// The bindings tables are what the reducers read: every key a table lists does something on its screen, no key
// means two things on one screen, and the status bar and help are made from the same rows.
import {beforeAll, describe, expect, it} from 'vitest';
import type {HostModel} from '../source/core/model.js';
import {loadDemoHost} from '../source/host/demo.js';
import {
	applyBindings,
	commandOf,
	helpRows,
	hintLine,
	inventoryHints,
	screenBindings,
	type Binding,
} from '../source/ui/bindings.js';
import type {Key} from '../source/ui/keys.js';
import {initialState, reduce, type UiState} from '../source/ui/state.js';
import {parseKeys} from '../source/ui/keys.js';

let demo: HostModel;
beforeAll(async () => {
	demo = await loadDemoHost();
});

const keysOf = (binding: Binding): Key[] => [
	...(binding.keys ?? []).map((k): Key =>
		k.startsWith('^') ? {name: 'char', char: k.slice(1), ctrl: true} : {name: k as Key['name']},
	),
	...(binding.chars ?? []).map((char): Key => ({name: 'char', char})),
];

const tables: [string, readonly Binding[]][] = [
	...Object.entries(screenBindings),
	...Object.entries(applyBindings).map(([phase, table]): [string, readonly Binding[]] => [`apply ${phase}`, table]),
];

function press(state: UiState, input: string): UiState {
	return parseKeys(input).reduce((s, key) => reduce(s, {type: 'key', key}), state);
}
const loaded = () =>
	reduce(reduce(initialState(80, 24), {type: 'requests-taken', ids: [1]}), {type: 'loaded', model: demo});

describe('bindings', () => {
	it.each(tables)('%s: each key gives its own binding’s command and no other', (_, table) => {
		for (const binding of table)
			for (const key of keysOf(binding)) {
				expect(commandOf(table, key), `${JSON.stringify(key)} in ${binding.label}`).toBe(binding.command);
				const others = table.filter(
					(b) => b !== binding && keysOf(b).some((k) => JSON.stringify(k) === JSON.stringify(key)),
				);
				expect(others, `${JSON.stringify(key)} is bound twice`).toEqual([]);
			}
	});

	it('every inventory key the table lists changes the state (the reducer reads the table)', () => {
		const start = loaded();
		for (const binding of screenBindings.inventory)
			for (const key of keysOf(binding)) {
				const after = reduce(start, {type: 'key', key});
				expect(after, `${binding.label} (${binding.command})`).not.toEqual(start);
			}
	});

	it('the preview’s and the doctor’s listed keys each do something', () => {
		const preview = press(loaded(), 'n\r\r');
		expect(preview.screen).toBe('preview');
		for (const binding of screenBindings.preview)
			for (const key of keysOf(binding))
				expect(reduce(preview, {type: 'key', key}), binding.label).not.toEqual(preview);
		const doctor = reduce(press(loaded(), 'd'), {type: 'doctor-failed', error: 'no facts'});
		for (const binding of screenBindings.doctor.filter((b) => b.command !== 'fix'))
			for (const key of keysOf(binding)) expect(reduce(doctor, {type: 'key', key}), binding.label).not.toEqual(doctor);
	});

	it('the status bar and the help come from the rows', () => {
		expect(hintLine(screenBindings.doctor)).toBe('↑↓ move · f apply this fix · r check again · Esc back');
		expect(hintLine(screenBindings.doctor, ['fix'])).toBe('↑↓ move · r check again · Esc back');
		const help = helpRows(screenBindings.inventory).map(([label]) => label);
		for (const binding of screenBindings.inventory.filter((b) => b.hint)) expect(help).toContain(binding.label);
	});
});

describe('at 80 columns', () => {
	it.each(tables.filter(([name]) => name !== 'inventory'))('%s: the status bar fits whole', (_, table) => {
		expect(hintLine(table).length).toBeLessThanOrEqual(80);
	});

	it('inventory: the status bar fits whole on every view, and p is hinted on the networks view', () => {
		for (const tab of ['topology', 'nics', 'bridges', 'networks', 'vms'])
			expect(inventoryHints(tab).length, tab).toBeLessThanOrEqual(80);
		expect(inventoryHints('networks')).toContain('p probe');
		expect(inventoryHints('nics')).not.toContain('p probe');
	});

	it('every help row fits whole beside its keys', () => {
		// The help screen: two spaces, the keys in 18 columns, then the sentence.
		for (const [keys, what] of helpRows(screenBindings.inventory))
			expect(`  ${keys.padEnd(18)}${what}`.length, what).toBeLessThanOrEqual(80);
	});
});
