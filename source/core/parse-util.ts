// Small checked accessors shared by the parsers, so malformed tool output gives a message, not a crash.

/** Output from a tool that does not have the shape kvmnet expects. `source` names the tool or file. */
export class ParseError extends Error {
	constructor(
		readonly source: string,
		detail: string,
	) {
		super(`cannot read ${source}: ${detail}`);
		this.name = 'ParseError';
	}
}

export function asArray(value: unknown, what: string): unknown[] {
	if (!Array.isArray(value)) throw new ParseError(what, `expected a JSON array, got ${describe(value)}`);
	return value;
}

export function asRecord(value: unknown, what: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new ParseError(what, `expected a JSON object, got ${describe(value)}`);
	}
	return value as Record<string, unknown>;
}

export function optionalString(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return String(value);
	return undefined;
}

export function optionalNumber(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
	return undefined;
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return typeof value === 'string' ? `text "${value.slice(0, 30)}"` : typeof value;
}
