// The lines kvmnet on a remote host sends back come from another machine: only well-formed events count, anything
// else is text to show (made safe by the caller), and an event never carries more than its fields.
import {describe, expect, it} from 'vitest';
import {eventLine, parseEvent} from '../source/core/agent-events.js';
import type {Journal} from '../source/core/journal.js';
import type {ProbeReport} from '../source/core/probe.js';

const probe: ProbeReport = {
	network: 'lab',
	mode: 'nat',
	attach: 'two veth endpoints on bridge virbr9',
	target: '10.0.0.1',
	checks: [
		{id: 'dhcp', expected: 'yes', result: 'pass', measured: 'yes', evidence: '$ udhcpc …'},
		{id: 'guest-outside', expected: 'yes', result: 'fail', measured: 'no', evidence: '$ ping …', cause: 'forwarding'},
	],
};
const journal = {id: 'j1', path: '/x/j1.json', status: 'applied', steps: [], plan: {mode: 'nat'}} as unknown as Journal;

describe('agent events', () => {
	it('reads back what it writes', () => {
		const log = {time: '2026-12-02T00:00:00.000Z', step: 1, stream: 'info' as const, text: 'ok'};
		expect(parseEvent(eventLine({log}).trim())).toEqual({log});
		expect(parseEvent(eventLine({step: 2, state: 'done'}).trim())).toEqual({step: 2, state: 'done'});
		expect(parseEvent(eventLine({journal, guardAlive: true}).trim())).toEqual({journal, guardAlive: true});
		expect(parseEvent(eventLine({probe}).trim())).toEqual({probe});
	});

	it('drops what is not an event, or has a field of the wrong kind', () => {
		for (const line of [
			'Undoing bridge br0:',
			'{not json',
			'[1,2]',
			'null',
			'{"log":{"time":"t","step":"1","stream":"info","text":"x"}}',
			'{"log":{"time":"t","step":0,"stream":"shell","text":"x"}}',
			'{"step":-1,"state":"done"}',
			'{"step":1.5,"state":"done"}',
			'{"step":1,"state":"exploded"}',
			'{"journal":{"id":"j"}}',
			'{"probe":{"network":"n","mode":"nat","attach":"a"}}',
			'{"probe":{"network":"n","mode":"nat","attach":"a","checks":[{"id":"rm -rf","expected":"yes","result":"pass","evidence":""}]}}',
			'{"probe":{"network":"n","mode":"nat","attach":"a","checks":[{"id":"dhcp","expected":"yes","result":"great","evidence":""}]}}',
			'{"probe":{"network":"n","mode":"nat","attach":"a","checks":[{"id":"dhcp","expected":"yes","result":"pass"}]}}',
			'{"probe":{"network":1,"mode":"nat","attach":"a","checks":[]}}',
		])
			expect(parseEvent(line), line).toBeUndefined();
	});

	it('keeps only a log line’s own fields', () => {
		const event = parseEvent('{"log":{"time":"t","step":0,"stream":"stdout","text":"\\u001b[2J","extra":"x"}}');
		expect(event).toEqual({log: {time: 't', step: 0, stream: 'stdout', text: '\u001b[2J'}});
	});

	it('keeps only a probe report’s own fields, and its cells’', () => {
		const sent = {...probe, extra: 'x', checks: [{...probe.checks[0], command: 'reboot'}]};
		expect(parseEvent(JSON.stringify({probe: sent}))).toEqual({probe: {...probe, checks: [probe.checks[0]]}});
	});
});
