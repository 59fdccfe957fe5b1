/**
 * The validation constraints of the API's request schemas, read from its OpenAPI document at build
 * time (vite.config.ts serves them as `virtual:api-constraints`): the forms check what the server
 * will check, from the one description of it, without shipping the whole document to the browser.
 */

/** What a form can check of one property before sending it. */
export interface PropertyConstraint {
	type?: string;
	required: boolean;
	minimum?: number;
	maximum?: number;
	exclusiveMinimum?: number;
	exclusiveMaximum?: number;
	minLength?: number;
	maxLength?: number;
	minItems?: number;
	maxItems?: number;
	/** A regular expression the whole text must match (JSON Schema: ECMA-262 syntax). */
	pattern?: string;
	/** The server's words when the pattern is not matched (`x-pattern-message`). */
	patternMessage?: string;
}

export type SchemaConstraints = Record<string, Record<string, PropertyConstraint>>;

const KEPT = [
	'minimum',
	'maximum',
	'exclusiveMinimum',
	'exclusiveMaximum',
	'minLength',
	'maxLength',
	'minItems',
	'maxItems'
] as const;

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `anyOf: [{...}, {type: 'null'}]` (an optional field) is read as its non-null branch. */
function branch(prop: Json): Json {
	const options = prop.anyOf;
	if (!Array.isArray(options)) return prop;
	const real = options.filter((o) => isRecord(o) && o.type !== 'null');
	return real.length === 1 && isRecord(real[0]) ? real[0] : prop;
}

const REF = '#/components/schemas/';

/** Every `$ref` to a schema inside a JSON value. */
function refsIn(value: unknown, found: string[] = []): string[] {
	if (Array.isArray(value)) for (const v of value) refsIn(v, found);
	else if (isRecord(value)) {
		if (typeof value.$ref === 'string' && value.$ref.startsWith(REF))
			found.push(value.$ref.slice(REF.length));
		for (const v of Object.values(value)) refsIn(v, found);
	}
	return found;
}

/**
 * The schemas a request body can hold (those of the operations' `requestBody`, and what they
 * refer to): only these are checked by forms. Null when the document has no paths (every schema).
 */
function requestSchemas(openapi: Json, schemas: Json): Set<string> | null {
	if (!isRecord(openapi.paths)) return null;
	const todo: string[] = [];
	for (const item of Object.values(openapi.paths))
		if (isRecord(item))
			for (const op of Object.values(item)) if (isRecord(op)) refsIn(op.requestBody, todo);
	const seen = new Set<string>();
	for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
		if (seen.has(name)) continue;
		seen.add(name);
		refsIn(schemas[name], todo);
	}
	return seen;
}

export function extractConstraints(openapi: unknown): SchemaConstraints {
	const out: SchemaConstraints = {};
	const schemas =
		isRecord(openapi) && isRecord(openapi.components) ? openapi.components.schemas : {};
	if (!isRecord(openapi) || !isRecord(schemas)) return out;
	const kept = requestSchemas(openapi, schemas);
	for (const [name, schema] of Object.entries(schemas)) {
		if (kept && !kept.has(name)) continue;
		if (!isRecord(schema) || !isRecord(schema.properties)) continue;
		const required = Array.isArray(schema.required) ? schema.required : [];
		const props: Record<string, PropertyConstraint> = {};
		for (const [key, raw] of Object.entries(schema.properties)) {
			if (!isRecord(raw)) continue;
			const prop = branch(raw);
			const c: PropertyConstraint = { required: required.includes(key) };
			if (typeof prop.type === 'string') c.type = prop.type;
			for (const k of KEPT) if (typeof prop[k] === 'number') c[k] = prop[k];
			if (typeof prop.pattern === 'string') c.pattern = prop.pattern;
			const said = prop['x-pattern-message'];
			if (c.pattern && typeof said === 'string') c.patternMessage = said;
			props[key] = c;
		}
		out[name] = props;
	}
	return out;
}
