// Reading a saved plan.json, which is untrusted: it must be a regular file of modest size holding a plan of the
// right shape; anything else is refused with the field named, before anything is contacted or run.
import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs';
import {checkPlanShape} from '../core/plan-check.js';
import type {Plan} from '../core/plan.js';

export const maxPlanBytes = 1024 * 1024;

/** The plan in `path`, or the messages that say why it is not one (each names the file and the field). */
export function readPlanFile(path: string): {plan?: Plan; errors: string[]} {
	const shown = JSON.stringify(path);
	let text: string;
	let fd: number | undefined;
	try {
		// Non-blocking, so a FIFO or a device does not hang the open; fstat then says what it is.
		fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
		const stat = fstatSync(fd);
		if (!stat.isFile())
			return {
				errors: [
					`${shown} is not a regular file (a plan is the plan.json that kvmnet plan --out DIR or s in the preview saves)`,
				],
			};
		if (stat.size > maxPlanBytes)
			return {errors: [`${shown} is ${stat.size} bytes: a plan is at most ${maxPlanBytes} bytes`]};
		const buffer = Buffer.alloc(stat.size);
		let read = 0;
		while (read < stat.size) {
			const n = readSync(fd, buffer, read, stat.size - read, read);
			if (n === 0) break;
			read += n;
		}
		text = buffer.subarray(0, read).toString('utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return {
			errors: [
				`cannot read the plan ${shown}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`,
			],
		};
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		return {errors: [`${shown} is not a kvmnet plan: it is not valid JSON (${(error as Error).message})`]};
	}
	const {plan, errors} = checkPlanShape(value);
	return plan ? {plan, errors: []} : {errors: errors.map((e) => `${shown}: ${e.message}`)};
}
