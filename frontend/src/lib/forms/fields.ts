/**
 * A form's errors by field: found before sending (the request schema's constraints, see
 * constraints.ts), or said by the server (a 422's `fields`, or a 400 about one field), so that each
 * shows under its field. What no field of the form shows goes in a banner, in plain words: never a
 * validator's "note: At most 1,000 characters".
 */
import type { ApiError } from '$lib/api/errors';
import { check, constraintOf, sentence, type PropertyOf, type SchemaName } from './constraints';

export type FieldErrors<F extends string> = Partial<Record<F, string>>;

/**
 * Check the values a form is about to send against their request schema; only the properties given
 * are checked (`undefined` is checked too: a required property left out is "Required").
 */
export function checkFields<S extends SchemaName, P extends PropertyOf<S>>(
	schema: S,
	values: { [K in P]: unknown }
): FieldErrors<P> {
	const found: FieldErrors<P> = {};
	for (const property of Object.keys(values) as P[]) {
		const message = check(constraintOf(schema, property), property, values[property]);
		if (message) found[property] = message;
	}
	return found;
}

export function hasFieldErrors(errors: Record<string, string | undefined>): boolean {
	return Object.values(errors).some(Boolean);
}

/** Said when the server refused a value the form does not show (a bug, or a stale page). */
export const UNSHOWN_FIELD =
	'Something in this request was not accepted. Reload the page and try again.';

export interface ServerErrors<F extends string> {
	fields: FieldErrors<F>;
	/** For the banner: what no field shows, in plain words; null when every message has a field. */
	banner: string | null;
}

export interface MapOptions<F extends string> {
	/** The server's name of a property → the form's field, when they differ (`api_key` → `secret`). */
	rename?: Readonly<Record<string, F>>;
	/** An error code that is about one field (a 400 "wrong current password") → that field. */
	codes?: Readonly<Record<string, F>>;
}

/**
 * Map an API error onto a form's fields. A validation message about a property the form shows goes
 * under it; one about a property it does not show becomes a plain banner. Any other error keeps
 * its `detail` (the API's sentences are written for people), unless its code names a field.
 */
export function serverErrors<F extends string>(
	error: ApiError | null | undefined,
	fields: readonly F[],
	options: MapOptions<F> = {}
): ServerErrors<F> {
	const out: ServerErrors<F> = { fields: {}, banner: null };
	if (!error) return out;
	const toField = (name: string): F | undefined => {
		const renamed = options.rename?.[name];
		if (renamed) return renamed;
		return (fields as readonly string[]).includes(name) ? (name as F) : undefined;
	};
	let unshown = false;
	for (const f of error.fields) {
		const field = toField(f.field);
		if (field) out.fields[field] ??= sentence(f.message);
		else unshown = true;
	}
	const byCode = options.codes?.[error.code];
	if (byCode && !out.fields[byCode]) out.fields[byCode] = error.detail;
	else if (unshown) out.banner = UNSHOWN_FIELD;
	else if (!hasFieldErrors(out.fields)) out.banner = error.detail;
	return out;
}
