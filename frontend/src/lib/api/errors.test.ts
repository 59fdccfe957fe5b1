import { describe, expect, it } from 'vitest';
import { fieldError, networkError, parseApiError, toApiError } from './errors';

describe('parseApiError', () => {
	it('reads the contract shape', () => {
		const e = parseApiError(401, {
			error: 'invalid_credentials',
			detail: 'Wrong email or password.'
		});
		expect(e).toEqual({
			status: 401,
			code: 'invalid_credentials',
			detail: 'Wrong email or password.',
			fields: [],
			retryAfter: null
		});
	});

	it('reads validation fields', () => {
		const e = parseApiError(422, {
			error: 'validation_error',
			detail: 'Password is too short.',
			fields: [{ field: 'password', message: 'At least 10 characters.' }, { bogus: 1 }]
		});
		expect(e.code).toBe('validation_error');
		expect(e.fields).toEqual([{ field: 'password', message: 'At least 10 characters.' }]);
		expect(fieldError(e, 'password')).toBe('At least 10 characters.');
		expect(fieldError(e, 'email')).toBeUndefined();
	});

	it('understands FastAPI default validation errors', () => {
		const e = parseApiError(422, {
			detail: [{ loc: ['body', 'email'], msg: 'value is not a valid email address', type: 'x' }]
		});
		expect(e.code).toBe('validation_error');
		expect(e.fields).toEqual([{ field: 'email', message: 'value is not a valid email address' }]);
		expect(e.detail).toBe('value is not a valid email address');
	});

	it('parses a JSON string body and Retry-After seconds', () => {
		const e = parseApiError(
			429,
			'{"error":"rate_limited","detail":"Too many attempts. Try again in 30 seconds."}',
			new Headers({ 'Retry-After': '30' })
		);
		expect(e.code).toBe('rate_limited');
		expect(e.detail).toBe('Too many attempts. Try again in 30 seconds.');
		expect(e.retryAfter).toBe(30);
	});

	it('parses Retry-After as an HTTP date', () => {
		const at = new Date(Date.now() + 60_000).toUTCString();
		const e = parseApiError(429, undefined, new Headers({ 'Retry-After': at }));
		expect(e.retryAfter).toBeGreaterThan(50);
		expect(e.retryAfter).toBeLessThanOrEqual(60);
		expect(e.detail).toMatch(/Too many attempts/);
	});

	it('falls back to a readable message for non-JSON bodies', () => {
		const e = parseApiError(502, '<html>Bad Gateway</html>');
		expect(e.code).toBe('http_502');
		expect(e.detail).toMatch(/server had a problem/);
		expect(parseApiError(418, null).detail).toBe('Request failed (HTTP 418).');
	});

	it('maps network failures and missing responses', () => {
		expect(networkError()).toMatchObject({ status: 0, code: 'network_error' });
		expect(toApiError(undefined, undefined).code).toBe('network_error');
		const res = new Response(null, { status: 400 });
		expect(toApiError({ error: 'wrong_password', detail: 'Wrong password.' }, res)).toMatchObject({
			status: 400,
			code: 'wrong_password',
			detail: 'Wrong password.'
		});
	});
});
