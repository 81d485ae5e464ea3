// A plan file is untrusted input: anyone who can write it could otherwise choose what runs as root. This checks
// its shape only (types, known keys, sizes), naming the field at fault; what runs is never taken from the file but
// rebuilt from the checked parameters against a fresh scan, and the file's steps must equal the rebuilt ones.
import {fieldIds} from './fields.js';
import type {FieldError, Plan} from './plan.js';

const doctorParams = ['check', 'name'];
const planKeys = [
	'version',
	'mode',
	'params',
	'uri',
	'manager',
	'directory',
	'networkXml',
	'interfaceXml',
	'steps',
	'warnings',
];
const maxText = 4096;
// Control characters have no place in a plan's values; a newline in a name would end a line of the journal's id.
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

type Json = unknown;
const isObject = (value: Json): value is Record<string, Json> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringArray = (value: Json): value is string[] =>
	Array.isArray(value) && value.every((word) => typeof word === 'string');

/** The plan's fields checked one by one; `errors` names each wrong one (e.g. `steps[2].run`), empty when the shape is right. */
export function checkPlanShape(value: Json): {plan?: Plan; errors: FieldError[]} {
	const errors: FieldError[] = [];
	const wrong = (field: string, rule: string) => errors.push({field, message: `${field}: ${rule}`});
	if (!isObject(value))
		return {
			errors: [
				{
					field: 'plan',
					message: 'plan: the file holds no JSON object (save a plan with kvmnet plan --out DIR, or s in the preview)',
				},
			],
		};
	const text = (field: string, optional = false, rule?: RegExp) => {
		const v = value[field];
		if (v === undefined && optional) return;
		if (typeof v !== 'string') wrong(field, `must be a string, not ${describe(v)}`);
		else if (v.length > maxText) wrong(field, `is longer than ${maxText} characters`);
		else if (rule && !rule.test(v)) wrong(field, `${JSON.stringify(v.slice(0, 60))} does not match ${rule.source}`);
	};
	for (const key of Object.keys(value))
		if (!planKeys.includes(key))
			wrong(visibleKey(key), `is not part of a kvmnet plan (its parts are: ${planKeys.join(', ')})`);
	if (value['version'] !== 1) wrong('version', `must be 1, not ${describe(value['version'])}`);
	text('mode', false, /^[a-z][a-z0-9-]*$/);
	text('uri');
	text('directory');
	text('interfaceXml');
	text('networkXml', true);
	if (typeof value['uri'] === 'string' && controlCharacters.test(value['uri']))
		wrong('uri', 'holds a control character');
	if (
		typeof value['directory'] === 'string' &&
		(controlCharacters.test(value['directory']) || !value['directory'].startsWith('/'))
	)
		wrong('directory', 'must be an absolute path without control characters');
	const params = value['params'];
	if (!isObject(params)) wrong('params', `must be an object of field values, not ${describe(params)}`);
	else {
		const allowed: readonly string[] = value['mode'] === 'doctor' ? doctorParams : fieldIds;
		for (const [key, v] of Object.entries(params)) {
			if (!allowed.includes(key))
				wrong(`params.${visibleKey(key)}`, `is not a field of this plan (the fields are: ${allowed.join(', ')})`);
			else if (typeof v !== 'string') wrong(`params.${key}`, `must be a string, not ${describe(v)}`);
			else if (v.length > maxText) wrong(`params.${key}`, `is longer than ${maxText} characters`);
			else if (controlCharacters.test(v)) wrong(`params.${key}`, 'holds a control character (a newline, an escape…)');
		}
		if (value['mode'] === 'doctor' && typeof params['check'] !== 'string')
			wrong('params.check', 'a doctor fix names its check');
	}
	const manager = value['manager'];
	if (!isObject(manager) || typeof manager['kind'] !== 'string' || typeof manager['reason'] !== 'string')
		wrong('manager', 'must be {kind, reason} as kvmnet writes it');
	if (!isStringArray(value['warnings'])) wrong('warnings', 'must be a list of strings');
	const steps = value['steps'];
	if (!Array.isArray(steps)) wrong('steps', `must be a list, not ${describe(steps)}`);
	else if (steps.length > 200) wrong('steps', `has ${steps.length} steps; a kvmnet plan has far fewer`);
	else {
		steps.forEach((step: Json, i) => {
			const at = `steps[${i}]`;
			if (!isObject(step)) return wrong(at, `must be an object, not ${describe(step)}`);
			if (typeof step['title'] !== 'string') wrong(`${at}.title`, 'must be a string');
			for (const key of ['run', 'undo'] as const) {
				const argv = step[key];
				if (argv === undefined && key === 'undo') continue;
				if (!isStringArray(argv) || argv.length === 0)
					wrong(`${at}.${key}`, 'must be a non-empty list of strings (an argv)');
			}
			for (const key of ['input', 'undoInput', 'risk'] as const)
				if (step[key] !== undefined && typeof step[key] !== 'string') wrong(`${at}.${key}`, 'must be a string');
			const writes = step['writes'];
			if (
				writes !== undefined &&
				(!Array.isArray(writes) ||
					!writes.every((w: Json) => isObject(w) && typeof w['path'] === 'string' && typeof w['content'] === 'string'))
			)
				wrong(`${at}.writes`, 'must be a list of {path, content}');
			const verify = step['verify'];
			if (
				verify !== undefined &&
				(!isObject(verify) || !isStringArray(verify['run']) || typeof verify['proves'] !== 'string')
			)
				wrong(`${at}.verify`, 'must be {run, proves}');
		});
	}
	return errors.length > 0 ? {errors} : {plan: value as unknown as Plan, errors};
}

function describe(value: Json): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
	return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/** A key from the file, shown with control characters escaped (it is printed in the message). */
const visibleKey = (key: string) => JSON.stringify(key).slice(1, -1).slice(0, 60);
