/** Where to go after login. Only same-origin absolute paths are accepted (no open redirects). */
export const HOME = '/dashboard';

export function safeNext(raw: string | null | undefined, fallback = HOME): string {
	if (!raw) return fallback;
	if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return fallback;
	// Control characters could smuggle a scheme or host past the checks above.
	for (let i = 0; i < raw.length; i++) {
		if (raw.charCodeAt(i) < 0x20 || raw.charCodeAt(i) === 0x7f) return fallback;
	}
	const path = raw.split(/[?#]/, 1)[0];
	if (path === '/login' || path === '/signup') return fallback;
	return raw;
}

/** `/login?next=<current path>` for a URL the user tried to open. */
export function loginRedirect(url: URL): string {
	const next = url.pathname + url.search;
	if (safeNext(next, '') === '') return '/login';
	return `/login?next=${encodeURIComponent(next)}`;
}
