import { goto } from '$app/navigation';
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
		void goto(loginRedirect(new URL(window.location.href)), { replaceState: true }).finally(() => {
			redirecting = false;
		});
	}
});

export { parseApiError, toApiError, fieldError, type ApiError, type FieldError } from './errors';
export type { Account, Session } from './types';
