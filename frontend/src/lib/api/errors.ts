/**
 * Normalises every error the API can send into one shape.
 *
 * The contract is `{"error": "<code>", "detail": "<message>"}`, plus `fields` on 422 validation
 * errors and a `Retry-After` header on 429. Anything else (a proxy's HTML page, FastAPI's default
 * `{"detail": [...]}`, a network failure) is mapped to something a human can read.
 */

export interface FieldError {
	field: string;
	message: string;
}

export interface ApiError {
	status: number;
	code: string;
	detail: string;
	fields: FieldError[];
	/** Seconds, from `Retry-After` (429). */
	retryAfter: number | null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fallbackDetail(status: number): string {
	if (status === 0) return 'Cannot reach the server. Check your connection and try again.';
	if (status === 401) return 'Your session has expired. Please log in again.';
	if (status === 403) return 'You are not allowed to do that.';
	if (status === 404) return 'Not found.';
	if (status === 429) return 'Too many attempts. Try again later.';
	if (status >= 500) return 'The server had a problem. Try again in a moment.';
	return `Request failed (HTTP ${status}).`;
}

function parseFields(raw: unknown): FieldError[] {
	if (!Array.isArray(raw)) return [];
	const out: FieldError[] = [];
	for (const item of raw) {
		if (!isRecord(item)) continue;
		// Our contract: {field, message}. FastAPI default: {loc: ['body', 'password'], msg}.
		if (typeof item.field === 'string' && typeof item.message === 'string') {
			out.push({ field: item.field, message: item.message });
		} else if (Array.isArray(item.loc) && typeof item.msg === 'string') {
			const loc = item.loc.filter((p) => p !== 'body');
			out.push({ field: String(loc[loc.length - 1] ?? ''), message: item.msg });
		}
	}
	return out;
}

function parseRetryAfter(headers: Headers | undefined): number | null {
	const raw = headers?.get('Retry-After');
	if (!raw) return null;
	const n = Number(raw);
	if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
	const date = Date.parse(raw);
	if (Number.isNaN(date)) return null;
	return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Build an ApiError from a status, a parsed (or raw text) body and the response headers. */
export function parseApiError(status: number, body: unknown, headers?: Headers): ApiError {
	let code = status === 0 ? 'network_error' : `http_${status}`;
	let detail = '';
	let fields: FieldError[] = [];

	let parsed = body;
	if (typeof body === 'string') {
		try {
			parsed = JSON.parse(body);
		} catch {
			parsed = undefined;
		}
	}

	if (isRecord(parsed)) {
		if (typeof parsed.error === 'string' && parsed.error) code = parsed.error;
		if (typeof parsed.detail === 'string') detail = parsed.detail;
		fields = parseFields(parsed.fields);
		if (Array.isArray(parsed.detail)) {
			// FastAPI's default validation shape.
			fields = parseFields(parsed.detail);
			if (status === 422) code = 'validation_error';
		}
	}

	if (!detail && fields.length > 0) detail = fields.map((f) => f.message).join(' ');
	if (!detail) detail = fallbackDetail(status);

	return { status, code, detail, fields, retryAfter: parseRetryAfter(headers) };
}

/** For a `fetch` that threw (offline, DNS, CORS...). */
export function networkError(): ApiError {
	return parseApiError(0, undefined);
}

/** Convenience for openapi-fetch results: `toApiError(error, response)`. */
export function toApiError(body: unknown, response: Response | undefined): ApiError {
	if (!response) return networkError();
	return parseApiError(response.status, body, response.headers);
}

/** The message for one form field, if the server flagged it. */
export function fieldError(err: ApiError | null | undefined, field: string): string | undefined {
	return err?.fields.find((f) => f.field === field)?.message;
}
