import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '$lib/api/client';
import type { SyncRun, SyncStatus } from '$lib/api/types';
import { SyncStore } from './store.svelte';

const ORIGIN = 'http://api.test';

function run(p: Partial<SyncRun> = {}): SyncRun {
	return {
		id: 'r1',
		trigger: 'manual',
		trigger_server: null,
		full: false,
		status: 'running',
		phase: 'starting',
		percent: null,
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

function status(latest: SyncRun | null, p: Partial<SyncStatus> = {}): SyncStatus {
	return {
		latest,
		servers: 1,
		next_scheduled_at: '2026-11-23T03:00:00Z',
		refresh_blocked: null,
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
		const done = run({ status: 'complete', items: 9, duration_seconds: 3 });
		const { store, calls } = setup({
			'GET /api/v1/sync/status': [
				() => json(200, status(run())),
				() => json(200, status(done, { next_scheduled_at: '2026-11-24T03:00:00Z' }))
			],
			'GET /api/v1/sync/events': [() => sse(events)],
			'GET /api/v1/sync/runs/r1': [() => json(200, done)]
		});
		await store.init();
		expect(store.active).toBe(true);
		await settle(store);
		expect(store.run).toMatchObject({ status: 'complete', items: 9, duration_seconds: 3 });
		expect(store.finishedCount).toBe(1);
		await vi.waitFor(() => expect(store.nextScheduledAt).toBe('2026-11-24T03:00:00Z'));
		expect(calls).toEqual([
			'GET /api/v1/sync/status',
			'GET /api/v1/sync/events',
			'GET /api/v1/sync/runs/r1',
			'GET /api/v1/sync/status'
		]);
	});

	it('does not attach to a finished run', async () => {
		const { store, calls } = setup({
			'GET /api/v1/sync/status': [() => json(200, status(run({ status: 'partial' })))]
		});
		await store.init();
		expect(store.run?.status).toBe('partial');
		expect(store.active).toBe(false);
		expect(calls).toEqual(['GET /api/v1/sync/status']);
	});

	it('falls back to polling when the stream fails', async () => {
		const { store, calls } = setup({
			'POST /api/v1/sync/runs': [() => json(202, run({ status: 'queued' }))],
			'GET /api/v1/sync/events': [() => json(500, { error: 'x', detail: 'x' })],
			'GET /api/v1/sync/runs/r1': [
				() => json(200, run({ items: 3 })),
				() => json(200, run({ status: 'failed', error: 'boom' })),
				() => json(200, run({ status: 'failed', error: 'boom' }))
			],
			'GET /api/v1/sync/status': [() => json(200, status(run({ status: 'failed', error: 'boom' })))]
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
			'GET /api/v1/sync/runs/r2': [() => json(200, run({ id: 'r2', status: 'complete' }))],
			'GET /api/v1/sync/status': [() => json(200, status(run({ id: 'r2', status: 'complete' })))]
		});
		await store.start();
		await settle(store);
		expect(store.run).toMatchObject({ id: 'r2', status: 'complete' });
	});

	it('shows the API error when a refresh cannot start, and cancels', async () => {
		const { store } = setup({
			'POST /api/v1/sync/runs': [() => json(429, { error: 'rate_limited', detail: 'Slow down.' })],
			'GET /api/v1/sync/status': [() => json(200, status(null))]
		});
		await store.start();
		expect(store.error).toBe('Slow down.');

		const s2 = setup({
			'GET /api/v1/sync/status': [() => json(200, status(run()))],
			'GET /api/v1/sync/events': [() => new Promise<Response>(() => undefined)],
			'POST /api/v1/sync/runs/r1/cancel': [() => json(200, run({ status: 'cancelled' }))]
		});
		await s2.store.init();
		await s2.store.cancel();
		expect(s2.store.run?.status).toBe('cancelled');
		s2.store.stop();
	});

	it('reads the schedule and why Refresh cannot start, and asks again when refused', async () => {
		const blocked = { error: 'nothing_to_sync', detail: 'Connect a server first.' };
		const { store, calls } = setup({
			'GET /api/v1/sync/status': [
				() => json(200, status(null, { servers: 1 })),
				() =>
					json(200, status(null, { servers: 0, next_scheduled_at: null, refresh_blocked: blocked }))
			],
			'POST /api/v1/sync/runs': [() => json(409, blocked)]
		});
		await store.init();
		expect(store).toMatchObject({ servers: 1, nextScheduledAt: '2026-11-23T03:00:00Z' });
		expect(store.blocked).toBeNull();
		await store.start();
		expect(store.error).toBe('Connect a server first.');
		await vi.waitFor(() => expect(store.blocked).toEqual(blocked));
		expect(store).toMatchObject({ servers: 0, nextScheduledAt: null, run: null });
		expect(calls).toEqual([
			'GET /api/v1/sync/status',
			'POST /api/v1/sync/runs',
			'GET /api/v1/sync/status'
		]);
	});

	it('says which server was just added, and reads the status again', async () => {
		let query = '';
		const blocked = { error: 'nothing_to_sync', detail: 'Connect a server first.' };
		const queued = run({ status: 'queued', trigger: 'connection' });
		const { store } = setup({
			'GET /api/v1/sync/status': [
				() =>
					json(
						200,
						status(null, { servers: 0, next_scheduled_at: null, refresh_blocked: blocked })
					),
				() => json(200, status(queued))
			],
			'POST /api/v1/sync/runs': [
				(req) => {
					query = new URL(req.url).search;
					return json(202, queued);
				}
			],
			'GET /api/v1/sync/events': [() => new Promise<Response>(() => undefined)]
		});
		await store.init();
		expect(store.blocked).toEqual(blocked);
		await store.start(false, 'c-1');
		expect(query).toBe('?added=c-1');
		expect(store.run?.trigger).toBe('connection');
		// The first sync of a new server: nothing says "connect a server first" any more.
		await vi.waitFor(() => expect(store.blocked).toBeNull());
		expect(store).toMatchObject({ servers: 1, nextScheduledAt: '2026-11-23T03:00:00Z' });
		store.stop();
	});

	it('never shows a lower percentage for the same run, whatever order the readings land in', async () => {
		const src = (percent: number | null) => ({
			kind: 'plex',
			name: 'Plex',
			status: 'running' as const,
			phase: 'items',
			pages: 1,
			items: 1,
			total: 10,
			requests: 1,
			error: null,
			position: 0,
			percent
		});
		const ev = (percent: number | null, source: number | null) =>
			`event: progress\ndata: ${JSON.stringify({ run_id: 'r1', percent, sources: { a: src(source) } })}\n\n`;
		// A late snapshot (an older reading of the row) lands after newer events.
		const events =
			ev(10, 20) +
			ev(40, 50) +
			`event: snapshot\ndata: ${JSON.stringify(run({ percent: 12, sources: { a: src(15) } }))}\n\n` +
			ev(null, null) +
			ev(45, 60);
		const seen: (number | null | undefined)[] = [];
		const seenSource: (number | null | undefined)[] = [];
		const { store } = setup({
			'GET /api/v1/sync/status': [() => json(200, status(run()))],
			'GET /api/v1/sync/events': [() => sse(events)],
			'GET /api/v1/sync/runs/r1': [
				() => json(200, run({ status: 'complete', percent: 45, sources: { a: src(60) } }))
			]
		});
		// Record what the app would show after every update of the run.
		const field = Object.getOwnPropertyDescriptor(SyncStore.prototype, 'run')!;
		Object.defineProperty(store, 'run', {
			get: field.get,
			set(next: SyncRun | null) {
				field.set!.call(this, next);
				const now = field.get!.call(this) as SyncRun | null;
				seen.push(now?.percent);
				seenSource.push(now?.sources.a?.percent);
			}
		});
		await store.init();
		await settle(store);
		const shown = seen.filter((p): p is number => typeof p === 'number');
		expect(shown).toEqual([...shown].sort((a, b) => a - b));
		expect(shown.at(-1)).toBe(45);
		const sourceShown = seenSource.filter((p): p is number => typeof p === 'number');
		expect(sourceShown).toEqual([...sourceShown].sort((a, b) => a - b));
	});
});
