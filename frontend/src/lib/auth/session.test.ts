import { describe, expect, it, vi } from 'vitest';
import { AuthStore } from './session.svelte';

const account = {
	id: 'a1',
	email: 'a@example.com',
	created_at: '2026-11-22T00:00:00Z',
	is_operator: false,
	email_verification: 'verified' as const
};
const session = (token: string) => ({
	access_token: token,
	token_type: 'bearer' as const,
	expires_in: 900,
	account
});

function json(status: number, body: unknown): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { 'Content-Type': 'application/json' }
	});
}

function store(handler: (req: Request) => Promise<Response> | Response) {
	const fetch = vi.fn(async (req: Request) => handler(req));
	return { auth: new AuthStore({ baseUrl: 'http://api.test', fetch }), fetch };
}

describe('AuthStore', () => {
	it('starts unknown and unauthenticated', () => {
		const { auth } = store(() => json(500, {}));
		expect(auth.status).toBe('unknown');
		expect(auth.authenticated).toBe(false);
		expect(auth.token).toBeNull();
	});

	it('restores a session from the refresh cookie', async () => {
		const { auth, fetch } = store((req) => {
			expect(req.method).toBe('POST');
			expect(req.url).toBe('http://api.test/api/v1/auth/refresh');
			return json(200, session('tok1'));
		});
		await auth.init();
		expect(auth.authenticated).toBe(true);
		expect(auth.token).toBe('tok1');
		expect(auth.account?.email).toBe('a@example.com');
		await auth.init();
		expect(fetch).toHaveBeenCalledTimes(1);
	});

	it('becomes anonymous when the refresh is refused', async () => {
		const { auth } = store(() =>
			json(401, { error: 'invalid_refresh_token', detail: 'Please log in.' })
		);
		await auth.init();
		expect(auth.status).toBe('anonymous');
		expect(auth.token).toBeNull();
	});

	it('becomes anonymous on a network failure (never rejects)', async () => {
		const { auth } = store(() => {
			throw new TypeError('fetch failed');
		});
		await expect(auth.refresh()).resolves.toBeNull();
		expect(auth.status).toBe('anonymous');
	});

	it('shares one in-flight refresh between concurrent callers', async () => {
		let release!: () => void;
		const gate = new Promise<void>((r) => (release = r));
		let n = 0;
		const { auth, fetch } = store(async () => {
			await gate;
			return json(200, session(`tok${++n}`));
		});
		const all = Promise.all([auth.refresh(), auth.refresh(), auth.refresh()]);
		release();
		expect(await all).toEqual(['tok1', 'tok1', 'tok1']);
		expect(fetch).toHaveBeenCalledTimes(1);
		// A later refresh is a new request.
		expect(await auth.refresh()).toBe('tok2');
		expect(fetch).toHaveBeenCalledTimes(2);
	});

	it('setSession and clear', () => {
		const { auth } = store(() => json(500, {}));
		auth.setSession(session('abc'));
		expect(auth.authenticated).toBe(true);
		expect(auth.token).toBe('abc');
		auth.clear();
		expect(auth.status).toBe('anonymous');
		expect(auth.account).toBeNull();
		expect(auth.token).toBeNull();
	});
});
