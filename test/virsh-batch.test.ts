// One virsh process answers a whole scan; its answer arrives in pieces of any size, and the markers between the
// commands' outputs can be cut anywhere. Real virsh (libvirt's test driver) writes the answer; it is then fed back
// in pieces of every size from one character up, and every split gives the same outputs as the whole.
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {AnswerReader, Runner} from '../source/host/runner.js';
import {virshBatch} from '../source/host/virsh.js';

const uri = `test://${fileURLToPath(new URL('../source/demo/host.xml', import.meta.url))}`;
const runner = new Runner();
const commands = [
	['net-list', '--all'],
	['net-dumpxml', 'default'],
	['list', '--all', '--name'],
	['dumpxml', 'web01'],
	['net-dumpxml', 'no-such-network'],
	['net-info', 'default'],
];

/** Real virsh's whole answer to the batch, as one string. */
async function wholeAnswer(tag: string): Promise<string> {
	const batch = virshBatch(commands, tag);
	const result = await runner.run(['virsh', '-q', '-c', uri], {input: batch.input});
	expect(result.ok, result.stderr).toBe(true);
	expect(result.stdout).toContain(batch.until);
	return result.stdout.slice(0, result.stdout.indexOf(batch.until) + batch.until.length);
}

function feed(text: string, sizes: (i: number) => number, tag: string) {
	const answered: number[] = [];
	const batch = virshBatch(commands, tag, (index) => answered.push(index));
	const reader = new AnswerReader(batch.until);
	let answer: string | undefined;
	for (let at = 0, i = 0; at < text.length && answer === undefined; i++) {
		const chunk = text.slice(at, at + sizes(i));
		at += chunk.length;
		const {piece, done} = reader.read(chunk);
		batch.take(piece);
		answer = done?.answer;
	}
	return {outputs: batch.outputs, answered, answer};
}

describe('a batch answer split at every place', () => {
	it('gives each command its own output, whatever the pieces', async () => {
		const tag = '@@kvmnet-test-0-';
		const text = await wholeAnswer(tag);
		const whole = feed(text, () => text.length, tag);
		expect(whole.answer).toBe(text);
		expect(whole.answered).toEqual([0, 1, 2, 3, 4, 5]);
		// Each output is what virsh printed for that command alone.
		expect(whole.outputs[0]).toMatch(/^ default\s+active/m);
		expect(whole.outputs[1]).toMatch(/^<network[\s>][\s\S]*<\/network>\n$/);
		expect(whole.outputs[2]?.split('\n')).toContain('web01');
		expect(whole.outputs[3]).toMatch(/^<domain[\s>][\s\S]*<name>web01<\/name>[\s\S]*<\/domain>\n$/);
		expect(whole.outputs[4]).toBe('');
		expect(whole.outputs[5]).toMatch(/^Name:\s+default$/m);
		for (const output of whole.outputs) expect(output).not.toContain('@@kvmnet');

		const sizes: [string, (i: number) => number][] = [
			...[1, 2, 3, 5, 7, 13, 64, 1000].map((n): [string, (i: number) => number] => [`${n}`, () => n]),
			['1, 2, 3, … growing', (i) => i + 1],
			['alternating 1 and 97', (i) => (i % 2 ? 97 : 1)],
		];
		for (const [name, size] of sizes) {
			const split = feed(text, size, tag);
			expect({name, ...split}).toEqual({name, ...whole});
		}
	});

	it('finds the end marker when it is cut between pieces, and keeps what follows it', () => {
		const until = 'END-MARK';
		for (let cut = 1; cut < until.length; cut++) {
			const reader = new AnswerReader(until);
			const first = reader.read(`answer ${until.slice(0, cut)}`);
			expect(first.done).toBeUndefined();
			const second = reader.read(`${until.slice(cut)}next`);
			expect(second.piece).toBe(until.slice(cut));
			expect(second.done).toEqual({answer: `answer ${until}`, rest: 'next'});
		}
		// A near miss at the end of one piece is not the marker.
		const reader = new AnswerReader(until);
		expect(reader.read('END-MA').done).toBeUndefined();
		expect(reader.read('RX END').done).toBeUndefined();
		expect(reader.read('-MARK').done).toEqual({answer: `END-MARX ${until}`, rest: ''});
	});
});
