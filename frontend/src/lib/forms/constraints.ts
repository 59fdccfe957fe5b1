/**
 * Checks a form value against the API's own constraints (minimum, maximum, lengths, required),
 * read from the OpenAPI document, with the words the server uses for the same error
 * (backend/src/janitor/core/errors.py `plain_message`): "At least 1 month", "At most 72
 * characters", "Required", "Must be a whole number". The server stays the authority.
 */
import CONSTRAINTS from 'virtual:api-constraints';
import type { components } from '$lib/api/schema';
import type { PropertyConstraint, SchemaConstraints } from './extract';

export type { PropertyConstraint } from './extract';

type Schemas = components['schemas'];
export type SchemaName = keyof Schemas & string;
/** Every property of the schema (of any of its variants, for a `oneOf`). */
type KeysOf<T> = T extends unknown ? keyof T : never;
export type PropertyOf<S extends SchemaName> = KeysOf<Schemas[S]> & string;

/** The constraint of one property; a name the schema does not have is a programming error. */
export function constraintOf<S extends SchemaName>(
	schema: S,
	property: PropertyOf<S>,
	from: SchemaConstraints = CONSTRAINTS
): PropertyConstraint {
	const found = from[schema]?.[property];
	if (!found) throw new Error(`The API schema ${schema} has no property ${property}.`);
	return found;
}

// The unit a number counts, from the end of its property's name, as the server words it.
const UNITS: Record<string, [string, string]> = {
	seconds: ['second', 'seconds'],
	minutes: ['minute', 'minutes'],
	hours: ['hour', 'hours'],
	days: ['day', 'days'],
	months: ['month', 'months'],
	items: ['item', 'items'],
	gb: ['GB', 'GB']
};
const GB = 1_000_000_000;

function number(n: number): string {
	return Number.isInteger(n) ? n.toLocaleString('en-US') : String(n);
}

/** "1 month", "3 months", "1 GB" (a size in bytes reads in GB), or the bare number. */
export function amount(n: number, property: string): string {
	let suffix = property.split('_').pop()?.toLowerCase() ?? '';
	let value = n;
	if (suffix === 'bytes' && Number.isInteger(n / GB)) {
		value = n / GB;
		suffix = 'gb';
	}
	const unit = UNITS[suffix];
	if (!unit) return number(value);
	return `${number(value)} ${value === 1 ? unit[0] : unit[1]}`;
}

function count(n: number, one: string, many: string): string {
	return `${number(n)} ${n === 1 ? one : many}`;
}

/** The server's message for a pattern ("must be a full folder path…"), as a sentence. */
export function sentence(message: string): string {
	return message.charAt(0).toUpperCase() + message.slice(1);
}

const compiled = new Map<string, RegExp | null>();

/** A schema pattern that JavaScript cannot compile is left to the server. */
function matches(pattern: string, value: string): boolean {
	if (!compiled.has(pattern)) {
		try {
			compiled.set(pattern, new RegExp(pattern, 'u'));
		} catch {
			compiled.set(pattern, null);
		}
	}
	return compiled.get(pattern)?.test(value) ?? true;
}

/** The message for a value that breaks the constraint, or null when it keeps it. */
export function check(c: PropertyConstraint, property: string, value: unknown): string | null {
	if (value === undefined || value === null) return c.required ? 'Required' : null;
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) return 'Must be a number';
		if (c.type === 'integer' && !Number.isInteger(value)) return 'Must be a whole number';
		if (c.minimum !== undefined && value < c.minimum)
			return `At least ${amount(c.minimum, property)}`;
		if (c.exclusiveMinimum !== undefined && value <= c.exclusiveMinimum)
			return `More than ${amount(c.exclusiveMinimum, property)}`;
		if (c.maximum !== undefined && value > c.maximum)
			return `At most ${amount(c.maximum, property)}`;
		if (c.exclusiveMaximum !== undefined && value >= c.exclusiveMaximum)
			return `Less than ${amount(c.exclusiveMaximum, property)}`;
		return null;
	}
	if (typeof value === 'string') {
		if (value === '' && (c.required || (c.minLength ?? 0) === 1)) return 'Required';
		// Characters as the server counts them (code points, not UTF-16 units).
		const length = [...value].length;
		if (c.minLength !== undefined && length < c.minLength)
			return `At least ${count(c.minLength, 'character', 'characters')}`;
		if (c.maxLength !== undefined && length > c.maxLength)
			return `At most ${count(c.maxLength, 'character', 'characters')}`;
		if (c.pattern !== undefined && !matches(c.pattern, value))
			return sentence(c.patternMessage ?? 'Not in the expected format');
		return null;
	}
	if (Array.isArray(value)) {
		if (c.minItems !== undefined && value.length < c.minItems)
			return `At least ${count(c.minItems, 'entry', 'entries')}`;
		if (c.maxItems !== undefined && value.length > c.maxItems)
			return `At most ${count(c.maxItems, 'entry', 'entries')}`;
	}
	return null;
}

/**
 * A number typed in a form: the value to send (times `scale`, e.g. GB typed, bytes sent), or the
 * message. A comma works as the decimal point.
 */
export function parseNumberText(
	c: PropertyConstraint,
	property: string,
	text: string,
	scale = 1
): { value: number } | { error: string } {
	const t = text.trim().replace(',', '.');
	if (t === '') return { error: 'Required' };
	const n = Number(t);
	if (!Number.isFinite(n))
		return { error: c.type === 'integer' ? 'Must be a whole number' : 'Must be a number' };
	if (c.type === 'integer' && scale === 1 && !Number.isInteger(n))
		return { error: 'Must be a whole number' };
	const value = scale === 1 ? n : Math.round(n * scale);
	const error = check(c, property, value);
	return error ? { error } : { value };
}

/** The accepted values, for a field's help: "1–120 months", "more than 0, at most 1,000 GB". */
export function rangeText(c: PropertyConstraint, property: string): string {
	const max = c.maximum ?? c.exclusiveMaximum;
	const low = c.minimum ?? c.exclusiveMinimum;
	if (low === undefined || max === undefined) return '';
	const bare = amount(low, property).split(' ')[0];
	if (c.exclusiveMinimum !== undefined)
		return `more than ${bare}, at most ${amount(max, property)}`;
	return `${bare}–${amount(max, property)}`;
}
