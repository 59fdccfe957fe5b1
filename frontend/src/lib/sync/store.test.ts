import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '$lib/api/client';
import type { SyncRun } from '$lib/api/types';
import { SyncStore } from './store.svelte';

const ORIGIN = 'http://api.test';

function run(p: Partial<SyncRun> = {}): SyncRun {
	return {
		id: 'r1',
		trigger: 'manual',
		full: false,
		status: 'running',
		phase: 'starting',
		sources: {},
		items: 0,
		upstream_requests: 0,
		error: null,
		derived_stale: null,
		derived_error: null,
		cancel_requested: false,
		created_at: '2026-11-22T00:00:00Z',
		started_at: null,
		finished_at: null,
		duration_seconds: null,
		...p
	};
}

const json = (status: number, body: unknown) =>
	new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const sse = (text: string) =>
	new Response(text, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });

type Route = (req: Request) => Response | Promise<Response>;

function setup(routes: Record<string, Route[]>) {
	const calls: string[] = [];
	const fetch = vi.fn(async (req: Request) => {
		const url = new URL(req.url);
		const key = `${req.method} ${url.pathname}`;
		calls.push(key);
		const handler = routes[key]?.shift();
		if (!handler) throw new Error('unexpected ' + key);
		return handler(req);
	});
	const client = createApiClient(
		{ getToken: () => 't', refresh: async () => null, onAuthFailure: () => undefined },
		{ baseUrl: ORIGIN, fetch }
	);
	const store = new SyncStore(client, { pollMs: 1, sleep: async () => undefined });
	return { store, calls };
}

async function settle(store: SyncStore) {
	for (let i = 0; i < 50 && (store.active || store.mode !== 'idle'); i++)
		await new Promise((r) => setTimeout(r, 1));
}

describe('SyncStore', () => {
	it('attaches to an active run on load and follows the event stream to the end', async () => {
		const events =
			`event: snapshot\ndata: ${JSON.stringify(run())}\n\n` +
			': keep-alive\n\n' +
			`event: progress\ndata: ${JSON.stringify({ run_id: 'r1', phase: 'plex', items: 5, upstream_requests: 2, sources: {} })}\n\n` +
			`event: progress\ndata: ${JSON.stringify({ run_id: 'r1', items: 9, finished: true, status: 'complete' })}\n\n`;
		const { store, calls } = setup({
			'GET /api/v1/sync/runs': [() => json(200, [run()])],
			'GET /api/v1/sync/events': [() => sse(events)],
			'GET /api/v1/sync/runs/r1': [
				() => json(200, run({ status: 'complete', items: 9, duration_seconds: 3 }))
			]
		});
		await store.init();
		expect(store.active).toBe(true);
		await settle(store);
		expect(store.run).toMatchObject({ status: 'complete', items: 9, duration_seconds: 3 });
		expect(store.finishedCount).toBe(1);
		expect(calls).toEqual([
			'GET /api/v1/sync/runs',
			'GET /api/v1/sync/events',
			'GET /api/v1/sync/runs/r1'
		]);
	});

	it('does not attach to a finished run', async () => {
		const { store, calls } = setup({
			'GET /api/v1/sync/runs': [() => json(200, [run({ status: 'partial' })])]
		});
		await store.init();
		expect(store.run?.status).toBe('partial');
		expect(store.active).toBe(false);
		expect(calls).toEqual(['GET /api/v1/sync/runs']);
	});

	it('falls back to polling when the stream fails', async () => {
		const { store, calls } = setup({
			'POST /api/v1/sync/runs': [() => json(202, run({ status: 'queued' }))],
			'GET /api/v1/sync/events': [() => json(500, { error: 'x', detail: 'x' })],
			'GET /api/v1/sync/runs/r1': [
				() => json(200, run({ items: 3 })),
				() => json(200, run({ status: 'failed', error: 'boom' })),
				() => json(200, run({ status: 'failed', error: 'boom' }))
			]
		});
		await store.start();
		await settle(store);
		expect(store.run).toMatchObject({ status: 'failed', error: 'boom' });
		expect(calls.filter((c) => c === 'GET /api/v1/sync/runs/r1')).toHaveLength(3);
	});

	it('fetches a run it did not know about from a progress event', async () => {
		const events = `event: progress\ndata: ${JSON.stringify({ run_id: 'r2', items: 1 })}\n\n`;
		const { store } = setup({
			'POST /api/v1/sync/runs': [() => json(200, run())],
			'GET /api/v1/sync/events': [() => sse(events)],
			'GET /api/v1/sync/runs/r2': [() => json(200, run({ id: 'r2', status: 'complete' }))]
		});
		await store.start();
		await settle(store);
		expect(store.run).toMatchObject({ id: 'r2', status: 'complete' });
	});

	it('shows the API error when a refresh cannot start, and cancels', async () => {
		const { store } = setup({
			'POST /api/v1/sync/runs': [() => json(429, { error: 'rate_limited', detail: 'Slow down.' })]
		});
		await store.start();
		expect(store.error).toBe('Slow down.');

		const s2 = setup({
			'GET /api/v1/sync/runs': [() => json(200, [run()])],
			'GET /api/v1/sync/events': [() => new Promise<Response>(() => undefined)],
			'POST /api/v1/sync/runs/r1/cancel': [() => json(200, run({ status: 'cancelled' }))]
		});
		await s2.store.init();
		await s2.store.cancel();
		expect(s2.store.run?.status).toBe('cancelled');
		s2.store.stop();
	});
});
