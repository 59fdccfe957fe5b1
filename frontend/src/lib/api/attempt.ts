import { networkError, toApiError, type ApiError } from './errors';

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Run an openapi-fetch call and fold network failures and error bodies into one `ApiError`. */
export async function attempt<T>(
	call: () => Promise<{ data?: T; error?: unknown; response: Response }>
): Promise<Attempt<T>> {
	try {
		const res = await call();
		if (res.response.ok && res.data !== undefined) return { ok: true, value: res.data };
		if (res.response.ok) return { ok: true, value: undefined as T };
		return { ok: false, error: toApiError(res.error, res.response) };
	} catch {
		return { ok: false, error: networkError() };
	}
}
