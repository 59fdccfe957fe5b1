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

export function extractConstraints(openapi: unknown): SchemaConstraints {
	const out: SchemaConstraints = {};
	const schemas =
		isRecord(openapi) && isRecord(openapi.components) ? openapi.components.schemas : {};
	if (!isRecord(schemas)) return out;
	for (const [name, schema] of Object.entries(schemas)) {
		if (!isRecord(schema) || !isRecord(schema.properties)) continue;
		const required = Array.isArray(schema.required) ? schema.required : [];
		const props: Record<string, PropertyConstraint> = {};
		for (const [key, raw] of Object.entries(schema.properties)) {
			if (!isRecord(raw)) continue;
			const prop = branch(raw);
			const c: PropertyConstraint = { required: required.includes(key) };
			if (typeof prop.type === 'string') c.type = prop.type;
			for (const k of KEPT) if (typeof prop[k] === 'number') c[k] = prop[k];
			props[key] = c;
		}
		out[name] = props;
	}
	return out;
}
