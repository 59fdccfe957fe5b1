import { auth } from '$lib/auth';
import type { LayoutLoad } from './$types';

// A pure SPA: FastAPI serves build/ and falls back to index.html.
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';

export const load: LayoutLoad = async () => {
	// Restore the session from the refresh cookie (once per page load).
	await auth.init();
	return {};
};
