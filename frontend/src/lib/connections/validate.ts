/** Client-side checks for the "add a server" forms (the API re-validates everything). */

export type ServerKind = 'plex' | 'jellyfin' | 'jellyseerr';

export const DEFAULT_PORTS: Record<ServerKind, number> = {
	plex: 32400,
	jellyfin: 8096,
	jellyseerr: 5055
};

export type UrlCheck = { ok: true; url: string } | { ok: false; message: string };

/**
 * Normalise what a person typed as a server address: trims, adds `http://` when no scheme is
 * given, drops a trailing slash. Rejects anything that is not an http(s) URL with a host.
 */
export function checkServerUrl(input: string): UrlCheck {
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
	if (!parsed.hostname) return { ok: false, message: 'The address needs a host name or IP.' };
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
	return { ok: true, url };
}

/** A token / API key: required, no whitespace inside. */
export function checkSecret(input: string, label: string): string | null {
	const v = input.trim();
	if (!v) return `Enter the ${label}.`;
	if (/\s/.test(v)) return `The ${label} cannot contain spaces.`;
	return null;
}

/** An optional display name: at most 200 characters. */
export function checkName(input: string): string | null {
	return input.trim().length > 200 ? 'Keep the name under 200 characters.' : null;
}

export interface ServerForm {
	url: string;
	secret: string;
	name?: string;
}

export interface ServerFormResult {
	errors: Partial<Record<'url' | 'secret' | 'name', string>>;
	url: string | null;
}

/** Check a URL + secret (+ optional name) form; `url` is the normalised address when valid. */
export function validateServerForm(form: ServerForm, secretLabel: string): ServerFormResult {
	const errors: ServerFormResult['errors'] = {};
	const url = checkServerUrl(form.url);
	if (!url.ok) errors.url = url.message;
	const secret = checkSecret(form.secret, secretLabel);
	if (secret) errors.secret = secret;
	const name = checkName(form.name ?? '');
	if (name) errors.name = name;
	return { errors, url: url.ok ? url.url : null };
}

export function hasErrors(result: ServerFormResult): boolean {
	return Object.keys(result.errors).length > 0;
}

/** Optional name → `null` when blank (the API then uses the server's own name). */
export function optionalName(input: string): string | null {
	const v = input.trim();
	return v ? v : null;
}
