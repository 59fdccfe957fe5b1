import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

export type ApiClient = Client<paths>;

export interface AuthHooks {
	/** Current in-memory access token, or null. */
	getToken(): string | null;
	/** Try to get a fresh access token (single-flight). Resolves to the new token or null. */
	refresh(): Promise<string | null>;
	/** Called when a request stays unauthorised after one refresh + retry. */
	onAuthFailure(): void;
}

/** Endpoints whose 401 means "bad credentials", never "access token expired". */
const NO_REFRESH = new Set<string>([
	'/api/v1/auth/login',
	'/api/v1/auth/signup',
	'/api/v1/auth/refresh',
	'/api/v1/auth/logout'
]);

/**
 * Adds `Authorization: Bearer <token>` and, on a 401, refreshes once and retries the request once.
 * If the retry is still 401 (or the refresh fails) `onAuthFailure` runs and the 401 is returned.
 */
export function authMiddleware(hooks: AuthHooks): Middleware {
	// A pristine copy of each request (bodies can only be read once), keyed by openapi-fetch's id.
	const retryable = new Map<string, Request>();

	return {
		onRequest({ request, schemaPath, id }) {
			const token = hooks.getToken();
			if (token) request.headers.set('Authorization', `Bearer ${token}`);
			if (!NO_REFRESH.has(schemaPath)) retryable.set(id, request.clone());
			return request;
		},
		async onResponse({ response, id, options }) {
			const copy = retryable.get(id);
			retryable.delete(id);
			if (response.status !== 401 || !copy) return undefined;

			const token = await hooks.refresh();
			if (!token) {
				hooks.onAuthFailure();
				return undefined;
			}
			copy.headers.set('Authorization', `Bearer ${token}`);
			const retried = await options.fetch(copy);
			if (retried.status === 401) hooks.onAuthFailure();
			return retried;
		},
		onError({ id }) {
			retryable.delete(id);
			return undefined;
		}
	};
}

export interface ClientOptions {
	/** '' in the browser (same origin). Tests pass an absolute origin. */
	baseUrl?: string;
	fetch?: (input: Request) => Promise<Response>;
}

/** A fetch that looks `fetch` up at call time (so test spies and polyfills are honoured). */
export const lateFetch = (input: Request): Promise<Response> => globalThis.fetch(input);

export function createApiClient(hooks: AuthHooks, opts: ClientOptions = {}): ApiClient {
	const client = createClient<paths>({
		baseUrl: opts.baseUrl ?? '',
		fetch: opts.fetch ?? lateFetch,
		credentials: 'same-origin'
	});
	client.use(authMiddleware(hooks));
	return client;
}
