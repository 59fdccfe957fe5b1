import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '$lib/api/client';
import type { Setup } from '$lib/api/types';
import { SetupStore } from './store.svelte';

const ORIGIN = 'http://api.test';
const KEYS = ['connect', 'libraries', 'languages', 'sync', 'dashboard'] as const;

function body(p: Partial<Setup> = {}): Setup {
	return {
		steps: KEYS.map((key) => ({ key, done: false })),
		done: false,
		dismissed: false,
		media_servers: 0,
		libraries: 0,
		libraries_enabled: 0,
		languages_chosen_at: null,
		audio_languages: [],
		subtitle_languages: [],
		language_names: {},
		last_complete_sync_at: null,
		dashboard_seen_at: null,
		...p
	};
}

const json = (status: number, data: unknown) =>
	new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json' } });

type Route = (req: Request) => Response | Promise<Response>;

function make(routes: Record<string, Route[]>) {
	const calls: string[] = [];
	const fetch = vi.fn(async (req: Request) => {
		const key = `${req.method} ${new URL(req.url).pathname}`;
		calls.push(key);
		const handler = routes[key]?.shift();
		if (!handler) throw new Error('unexpected ' + key);
		return handler(req);
	});
	const client = createApiClient(
		{ getToken: () => 't', refresh: async () => null, onAuthFailure: () => undefined },
		{ baseUrl: ORIGIN, fetch }
	);
	return { store: new SetupStore(client), calls };
}

describe('SetupStore', () => {
	it('reads once more after the one under way for calls that overlap it, once for them all', async () => {
		let release: () => void = () => undefined;
		const gate = new Promise<void>((r) => (release = r));
		const { store, calls } = make({
			'GET /api/v1/setup': [
				async () => {
					await gate;
					return json(200, body({ media_servers: 1 }));
				},
				() => json(200, body({ media_servers: 2 })),
				() => json(200, body({ media_servers: 3 }))
			]
		});
		const a = store.load();
		// Asked while the first read is under way (after a change it may not have seen).
		const b = store.load();
		const c = store.load();
		release();
		await a;
		expect(store.state?.media_servers).toBe(1);
		await Promise.all([b, c]);
		expect(calls).toEqual(['GET /api/v1/setup', 'GET /api/v1/setup']);
		expect(store.state?.media_servers).toBe(2);
		await store.load();
		expect(store.state?.media_servers).toBe(3);
	});

	it('sends the dismissal and keeps what the server answers', async () => {
		let sent: unknown = null;
		const { store } = make({
			'PATCH /api/v1/setup': [
				async (req) => {
					sent = await req.json();
					return json(200, body({ dismissed: true }));
				}
			]
		});
		expect(await store.dismiss(true)).toBe(true);
		expect(sent).toEqual({ dismissed: true });
		expect(store.state?.dismissed).toBe(true);
		expect(store.busy).toBe(false);
	});

	it('keeps the last state and says why when the server refuses', async () => {
		const { store } = make({
			'GET /api/v1/setup': [() => json(200, body())],
			'POST /api/v1/setup/dashboard-seen': [
				() =>
					json(409, {
						error: 'no_complete_sync',
						detail: 'The dashboard has no figures before a sync read a server completely.'
					})
			]
		});
		await store.load();
		expect(await store.dashboardSeen()).toBe(false);
		expect(store.error).toBe(
			'The dashboard has no figures before a sync read a server completely.'
		);
		expect(store.state?.dashboard_seen_at).toBeNull();
	});

	it('a network failure is an error, not an empty checklist', async () => {
		const { store } = make({
			'GET /api/v1/setup': [
				() => {
					throw new TypeError('offline');
				}
			]
		});
		await store.load();
		expect(store.state).toBeNull();
		expect(store.error).toBeTruthy();
	});
});
