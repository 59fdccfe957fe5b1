import { describe, expect, it, vi } from 'vitest';
import { createApiClient, type AuthHooks } from './client';

const ORIGIN = 'http://api.test';

function json(status: number, body: unknown): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { 'Content-Type': 'application/json' }
	});
}

const account = {
	id: 'a1',
	email: 'a@example.com',
	created_at: '2026-11-22T00:00:00Z',
	is_operator: false,
	email_verification: 'verified' as const
};

function setup(responses: Array<(req: Request) => Response>, hooks: Partial<AuthHooks> = {}) {
	const seen: Array<{ url: string; auth: string | null; body: string }> = [];
	let call = 0;
	const fetch = vi.fn(async (req: Request) => {
		seen.push({
			url: req.url,
			auth: req.headers.get('Authorization'),
			body: req.body ? await req.clone().text() : ''
		});
		const next = responses[call++];
		if (!next) throw new Error('unexpected request ' + req.url);
		return next(req);
	});
	let token: string | null = 'old';
	const full: AuthHooks = {
		getToken: () => token,
		refresh: vi.fn(async () => {
			token = 'new';
			return token;
		}),
		onAuthFailure: vi.fn(),
		...hooks
	};
	const client = createApiClient(full, { baseUrl: ORIGIN, fetch });
	return { client, fetch, seen, hooks: full };
}

describe('api client auth middleware', () => {
	it('sends the bearer token', async () => {
		const { client, seen } = setup([() => json(200, account)]);
		const { data } = await client.GET('/api/v1/account');
		expect(data?.email).toBe('a@example.com');
		expect(seen[0]).toMatchObject({ url: `${ORIGIN}/api/v1/account`, auth: 'Bearer old' });
	});

	it('sends no Authorization header without a token', async () => {
		const { client, seen } = setup([() => json(200, account)], { getToken: () => null });
		await client.GET('/api/v1/account');
		expect(seen[0].auth).toBeNull();
	});

	it('refreshes once on 401 and retries with the new token and the same body', async () => {
		const { client, seen, hooks } = setup([
			() => json(401, { error: 'invalid_token', detail: 'Expired.' }),
			() => json(200, { access_token: 't', token_type: 'bearer', expires_in: 900, account })
		]);
		const { data, error } = await client.POST('/api/v1/account/password', {
			body: { current_password: 'a'.repeat(10), new_password: 'b'.repeat(12) }
		});
		expect(error).toBeUndefined();
		expect(data?.access_token).toBe('t');
		expect(hooks.refresh).toHaveBeenCalledTimes(1);
		expect(hooks.onAuthFailure).not.toHaveBeenCalled();
		expect(seen.map((s) => s.auth)).toEqual(['Bearer old', 'Bearer new']);
		expect(seen[1].body).toBe(seen[0].body);
		expect(JSON.parse(seen[1].body)).toEqual({
			current_password: 'a'.repeat(10),
			new_password: 'b'.repeat(12)
		});
	});

	it('gives up when the refresh fails', async () => {
		const { client, fetch, hooks } = setup([() => json(401, { error: 'x', detail: 'y' })], {
			refresh: vi.fn(async () => null)
		});
		const { error, response } = await client.GET('/api/v1/account');
		expect(response.status).toBe(401);
		expect(error).toEqual({ error: 'x', detail: 'y' });
		expect(fetch).toHaveBeenCalledTimes(1);
		expect(hooks.onAuthFailure).toHaveBeenCalledTimes(1);
	});

	it('retries only once', async () => {
		const { client, fetch, hooks } = setup([
			() => json(401, { error: 'x', detail: 'first' }),
			() => json(401, { error: 'x', detail: 'second' })
		]);
		const { error } = await client.GET('/api/v1/account');
		expect(error).toMatchObject({ detail: 'second' });
		expect(fetch).toHaveBeenCalledTimes(2);
		expect(hooks.refresh).toHaveBeenCalledTimes(1);
		expect(hooks.onAuthFailure).toHaveBeenCalledTimes(1);
	});

	it('never refreshes for a failed login (401 means wrong credentials there)', async () => {
		const { client, fetch, hooks } = setup([
			() => json(401, { error: 'invalid_credentials', detail: 'Wrong email or password.' })
		]);
		const { error } = await client.POST('/api/v1/auth/login', {
			body: { email: 'a@example.com', password: 'nope' }
		});
		expect(error).toMatchObject({ error: 'invalid_credentials' });
		expect(fetch).toHaveBeenCalledTimes(1);
		expect(hooks.refresh).not.toHaveBeenCalled();
		expect(hooks.onAuthFailure).not.toHaveBeenCalled();
	});

	it('leaves other errors alone', async () => {
		const { client, hooks } = setup([
			() => json(403, { error: 'wrong_password', detail: 'Wrong password.' })
		]);
		const { error } = await client.POST('/api/v1/account/delete', { body: { password: 'x' } });
		expect(error).toMatchObject({ error: 'wrong_password' });
		expect(hooks.refresh).not.toHaveBeenCalled();
	});
});
