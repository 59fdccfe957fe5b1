/**
 * Client-side checks for the server forms (add a server, edit one). The bounds, the characters a
 * token may have and the address pattern are the API schema's, with the server's words for them
 * (lib/forms/constraints.ts); what the schema cannot say is here: an address typed without
 * `http://` or with a trailing slash is completed, and a few common mistakes are explained. The API re-validates everything, and checks
 * that the server answers.
 */
import { check, constraintOf, type PropertyConstraint } from '$lib/forms/constraints';
import type { MapOptions } from '$lib/forms/fields';

export type ServerKind = 'plex' | 'jellyfin' | 'jellyseerr';

export const DEFAULT_PORTS: Record<ServerKind, number> = {
	plex: 32400,
	jellyfin: 8096,
	jellyseerr: 5055
};

export type UrlCheck = { ok: true; url: string } | { ok: false; message: string };

/** The request schemas of the server forms, and the name each gives the token or API key. */
const SECRET = {
	PlexManualIn: 'token',
	JellyseerrIn: 'api_key',
	JellyfinProbeIn: 'api_key',
	JellyfinIn: 'api_key',
	ConnectionUpdate: 'token'
} as const;
export type ServerSchema = keyof typeof SECRET;

function urlOf(schema: ServerSchema): PropertyConstraint {
	return constraintOf(schema, 'url');
}
function secretOf(schema: ServerSchema): PropertyConstraint {
	return schema === 'PlexManualIn' || schema === 'ConnectionUpdate'
		? constraintOf(schema, 'token')
		: constraintOf(schema, 'api_key');
}
function nameOf(schema: ServerSchema): PropertyConstraint | null {
	return schema === 'JellyfinProbeIn' ? null : constraintOf(schema, 'name');
}

/**
 * Normalise what a person typed as a server address (trims, adds `http://` when no scheme is
 * given, drops a trailing slash), then check it against the schema's address pattern and length.
 */
export function checkServerUrl(input: string, schema: ServerSchema = 'PlexManualIn'): UrlCheck {
	const raw = input.trim();
	if (!raw) return { ok: false, message: 'Enter the server address.' };
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
	let parsed: URL;
	try {
		parsed = new URL(withScheme);
	} catch {
		return { ok: false, message: 'This is not a valid address, e.g. http://192.168.1.10:32400.' };
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		return { ok: false, message: 'The address must start with http:// or https://.' };
	}
	if (parsed.username || parsed.password) {
		return { ok: false, message: 'Leave user names and passwords out of the address.' };
	}
	if (parsed.search || parsed.hash) {
		return {
			ok: false,
			message: 'Leave query strings (?…) and fragments (#…) out of the address.'
		};
	}
	const url = `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
	const message = check(urlOf(schema), 'url', url);
	return message ? { ok: false, message } : { ok: true, url };
}

/** A token / API key (trimmed), against the schema: required, its length, its characters. */
export function checkSecret(
	input: string,
	label: string,
	schema: ServerSchema = 'PlexManualIn'
): string | null {
	const v = input.trim();
	if (!v) return `Enter the ${label}.`;
	return check(secretOf(schema), SECRET[schema], v);
}

/** A display name (trimmed), against the schema; blank is fine where the name is optional. */
export function checkName(input: string, schema: ServerSchema = 'PlexManualIn'): string | null {
	const c = nameOf(schema);
	const v = input.trim();
	if (!c || (!v && !c.required)) return null;
	return check(c, 'name', v);
}

export interface ServerForm {
	url: string;
	secret: string;
	name?: string;
}

export type ServerField = 'url' | 'secret' | 'name';

export interface ServerFormResult {
	errors: Partial<Record<ServerField, string>>;
	url: string | null;
}

/**
 * Check a URL + secret (+ optional name) form against the request it becomes; `url` is the
 * normalised address when valid. The name is checked against `nameSchema` (Jellyfin asks for it
 * before the request that sends it).
 */
export function validateServerForm(
	form: ServerForm,
	secretLabel: string,
	schema: ServerSchema,
	nameSchema: ServerSchema = schema
): ServerFormResult {
	const errors: ServerFormResult['errors'] = {};
	const url = checkServerUrl(form.url, schema);
	if (!url.ok) errors.url = url.message;
	const secret = checkSecret(form.secret, secretLabel, schema);
	if (secret) errors.secret = secret;
	const name = checkName(form.name ?? '', nameSchema);
	if (name) errors.name = name;
	return { errors, url: url.ok ? url.url : null };
}

export function hasErrors(result: ServerFormResult): boolean {
	return Object.keys(result.errors).length > 0;
}

/** The server's names of the form's fields, for `serverErrors` (lib/forms/fields.ts). */
export const SERVER_FIELDS: readonly ServerField[] = ['url', 'secret', 'name'];
export const SERVER_RENAME: MapOptions<ServerField>['rename'] = {
	token: 'secret',
	api_key: 'secret'
};

/** Optional name → `null` when blank (the API then uses the server's own name). */
export function optionalName(input: string): string | null {
	const v = input.trim();
	return v ? v : null;
}
