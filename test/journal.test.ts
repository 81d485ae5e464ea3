// The journal's pure rules: what an undo goes through (a step under way counts as possibly done), the file-safe
// name a journal gets from a plan's name, and which VMs an undo would cut off.
import {describe, expect, it} from 'vitest';
import {
	fileSafeName,
	needsUndo,
	stepsToUndo,
	vmsUsingWhatUndoRemoves,
	type JournalStep,
	type StepState,
} from '../source/core/journal.js';
import type {Plan} from '../source/core/plan.js';

const step = (state: StepState, files: JournalStep['files'] = []): JournalStep => ({
	title: state,
	state,
	run: ['true'],
	undo: ['true'],
	output: [],
	files,
});

describe('the journal', () => {
	it('undoes done and undo-failed steps for certain, running and undoing ones after a check, failed ones only for their files, last first', () => {
		const steps = [
			step('done'),
			step('undo-failed'),
			step('failed', [{path: '/x', existed: false}]),
			step('failed'),
			step('running'),
			step('undoing'),
			step('pending'),
			step('undone'),
		];
		expect(stepsToUndo({steps}).map(({index, certain}) => [index, certain])).toEqual([
			[5, false],
			[4, false],
			[2, true],
			[1, true],
			[0, true],
		]);
	});

	it('needs an undo while running, rolling back, applied or incomplete', () => {
		expect(
			(['running', 'rolling-back', 'applied', 'rollback-incomplete', 'rolled-back', 'undone'] as const).map((status) =>
				needsUndo({status}),
			),
		).toEqual([true, true, true, true, false, false]);
	});

	it.each([
		['lab-1', 'lab-1'],
		['../../../../tmp/x', '.._.._.._.._tmp_x'],
		['..', 'plan'],
		['.', 'plan'],
		['x\n', 'x_'],
		['café', 'caf_'],
		['a'.repeat(60), 'a'.repeat(40)],
	])('a plan named %j gets the file name part %j', (name, safe) => {
		expect(fileSafeName(name)).toBe(safe);
		expect(fileSafeName(name)).not.toMatch(/\//);
	});

	it('names the VMs that use the network or bridge an undo removes, but not the interface the plan attached', () => {
		const plan = {
			networkXml: '<network/>',
			params: {name: 'lab', bridge: 'virbr9'},
			steps: [
				{
					title: 'attach',
					run: ['virsh'],
					writes: [
						{path: '/i.xml', content: "<interface type='network'><mac address='52:54:00:aa:bb:cc'/></interface>"},
					],
				},
			],
		} as unknown as Plan;
		const vms = [
			{name: 'own', interfaces: [{type: 'network', source: 'lab', mac: '52:54:00:AA:BB:CC'}]},
			{name: 'late', interfaces: [{type: 'network', source: 'lab', mac: '52:54:00:00:00:01'}]},
			{name: 'on-bridge', interfaces: [{type: 'bridge', source: 'virbr9'}]},
			{name: 'elsewhere', interfaces: [{type: 'network', source: 'default'}]},
		];
		expect(vmsUsingWhatUndoRemoves({plan, steps: []}, vms)).toEqual(['late', 'on-bridge']);
	});
});
