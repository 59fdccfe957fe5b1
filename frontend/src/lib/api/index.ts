import { goto } from '$app/navigation';
import { navigating, page } from '$app/state';
import { auth } from '$lib/auth';
import { loginRedirect } from '$lib/nav';
import { createApiClient } from './client';

let redirecting = false;

/** The app's typed API client (bearer token + refresh-on-401 built in). */
export const api = createApiClient({
	getToken: () => auth.token,
	refresh: () => auth.refresh(),
	onAuthFailure: () => {
		auth.clear();
		if (redirecting) return;
		redirecting = true;
		// During a navigation (a load function's request) come back to where the user was going.
		const target = navigating.to?.url ?? page.url;
		void goto(loginRedirect(target), { replaceState: true }).finally(() => {
			redirecting = false;
		});
	}
});

export { parseApiError, toApiError, fieldError, type ApiError, type FieldError } from './errors';
export type { Account, Session } from './types';
