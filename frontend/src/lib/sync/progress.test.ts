import { describe, expect, it } from 'vitest';
import type { SourceProgress, SyncRun } from '$lib/api/types';
import {
	applyProgress,
	asProgressEvent,
	asRun,
	compactAgo,
	formatDuration,
	isActive,
	keepProgress,
	orderedSources,
	runPercent,
	shortReason,
	sourceCount,
	sourcePercent,
	statusStyle,
	summarize,
	triggerLabel
} from './progress';

function src(p: Partial<SourceProgress> = {}): SourceProgress {
	return {
		kind: 'plex',
		name: 'Plex',
		status: 'running',
		phase: 'items',
		pages: 0,
		items: 0,
		total: null,
		requests: 0,
		error: null,
		warnings: [],
		position: 0,
		percent: null,
		...p
	};
}

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

describe('isActive', () => {
	it('is true for queued and running only', () => {
		expect(isActive(run({ status: 'queued' }))).toBe(true);
		expect(isActive(run({ status: 'running' }))).toBe(true);
		for (const s of ['complete', 'partial', 'failed', 'cancelled'] as const)
			expect(isActive(run({ status: s }))).toBe(false);
		expect(isActive(null)).toBe(false);
	});
});

describe('runPercent and sourcePercent', () => {
	it('show what the API measured while running, 100 once ended, null while unknown', () => {
		expect(runPercent(run({ percent: 42 }))).toBe(42);
		expect(runPercent(run({ status: 'queued' }))).toBeNull();
		expect(runPercent(run({ percent: null }))).toBeNull();
		for (const status of ['complete', 'partial', 'failed', 'cancelled'] as const)
			expect(runPercent(run({ status, percent: 37 }))).toBe(100);
		expect(sourcePercent(src({ percent: 12 }))).toBe(12);
		expect(sourcePercent(src({ percent: null }))).toBeNull();
		expect(sourcePercent(src({ status: 'pending' }))).toBe(0);
		expect(sourcePercent(src({ status: 'failed', percent: 3 }))).toBe(100);
	});
});

/** A small deterministic PRNG (mulberry32): the same cases on every run. */
function prng(seed: number) {
	return () => {
		seed |= 0;
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe('keepProgress', () => {
	it('never lowers a percentage of the same run, whatever readings arrive in whatever order', () => {
		for (let seed = 1; seed <= 200; seed++) {
			const rand = prng(seed);
			const pick = () => (rand() < 0.2 ? null : Math.floor(rand() * 100));
			let shown: SyncRun | null = null;
			const runShown: number[] = [];
			const sourceShown: Record<string, number[]> = {};
			for (let i = 0; i < 30; i++) {
				const keys = ['a', 'b', 'c'].filter(() => rand() < 0.8);
				const sources = Object.fromEntries(keys.map((k) => [k, src({ percent: pick() })]));
				shown = keepProgress(shown, run({ percent: pick(), sources }));
				if (shown?.percent != null) runShown.push(shown.percent);
				for (const [k, s] of Object.entries(shown?.sources ?? {}))
					if (s.percent != null) (sourceShown[k] ??= []).push(s.percent);
			}
			expect(runShown).toEqual([...runShown].sort((x, y) => x - y));
			for (const seq of Object.values(sourceShown))
				expect(seq).toEqual([...seq].sort((x, y) => x - y));
		}
	});

	it('takes a new run, and an ended one, as they come', () => {
		const before = run({ percent: 80 });
		expect(keepProgress(before, run({ id: 'r2', percent: 5 }))?.percent).toBe(5);
		expect(keepProgress(before, run({ status: 'failed', percent: 3 }))?.percent).toBe(3);
		expect(keepProgress(before, null)).toBeNull();
		expect(keepProgress(null, before)).toBe(before);
	});
});

describe('orderedSources', () => {
	it('lists the servers in the order the run reads them, whatever order the keys came in', () => {
		const r = run({
			sources: {
				z: src({ name: 'Jellyseerr', position: 2 }),
				a: src({ name: 'Plex', position: 0 }),
				m: src({ name: 'Jellyfin', position: 1 })
			}
		});
		expect(orderedSources(r).map(([, s]) => s.name)).toEqual(['Plex', 'Jellyfin', 'Jellyseerr']);
		// rows stored before positions existed: by name
		const old = run({ sources: { x: src({ name: 'B' }), y: src({ name: 'A' }) } });
		expect(orderedSources(old).map(([k]) => k)).toEqual(['y', 'x']);
	});
});

describe('applyProgress', () => {
	it('merges counts, phase, percent and sources; queued becomes running', () => {
		const r = run({ status: 'queued' });
		const next = applyProgress(r, {
			run_id: 'r1',
			phase: 'syncing',
			percent: 7,
			items: 10,
			upstream_requests: 4,
			sources: { a: src({ items: 10, total: 20 }) }
		});
		expect(next).toMatchObject({ status: 'running', phase: 'syncing', items: 10, percent: 7 });
		expect(next?.upstream_requests).toBe(4);
		expect(next?.sources.a?.total).toBe(20);
		expect(r.status).toBe('queued'); // not mutated
	});
	it('ends the run on finished', () => {
		const next = applyProgress(run(), {
			run_id: 'r1',
			finished: true,
			status: 'partial',
			at: '2026-11-22T00:01:00Z'
		});
		expect(next).toMatchObject({ status: 'partial', finished_at: '2026-11-22T00:01:00Z' });
		expect(isActive(next)).toBe(false);
	});
	it('ignores events for another run', () => {
		expect(applyProgress(run(), { run_id: 'other', items: 1 })).toBeNull();
	});
});

describe('payload guards', () => {
	it('accept the shapes the API sends and reject junk', () => {
		expect(asProgressEvent({ run_id: 'x', items: 1 })).not.toBeNull();
		expect(asProgressEvent({ items: 1 })).toBeNull();
		expect(asProgressEvent(null)).toBeNull();
		expect(asRun(run())).not.toBeNull();
		expect(asRun(null)).toBeNull();
		expect(asRun({ id: 1 })).toBeNull();
	});
});

describe('labels', () => {
	it('formats durations', () => {
		expect(formatDuration(null)).toBe('—');
		expect(formatDuration(0.42)).toBe('0.4 s');
		expect(formatDuration(42)).toBe('42 s');
		expect(formatDuration(185)).toBe('3 m 05 s');
		expect(formatDuration(3720)).toBe('1 h 02 m');
	});
	it('formats counts, statuses and triggers', () => {
		expect(sourceCount(src({ items: 1200, total: 3400 }))).toBe('1,200 / 3,400');
		expect(sourceCount(src({ items: 7 }))).toBe('7');
		expect(statusStyle('complete')).toEqual({ label: 'Done', variant: 'success' });
		expect(statusStyle('weird').label).toBe('weird');
		expect(triggerLabel({ trigger: 'manual', full: false })).toBe('Refresh');
		expect(triggerLabel({ trigger: 'manual', full: true })).toBe('Full refresh');
		expect(triggerLabel({ trigger: 'schedule', full: true })).toBe('Daily schedule');
		expect(
			triggerLabel({ trigger: 'connection', full: false, trigger_server: 'Home Server' })
		).toBe('Adding Home Server');
		expect(triggerLabel({ trigger: 'connection', full: false, trigger_server: null })).toBe(
			'Adding a server'
		);
		expect(triggerLabel({ trigger: 'vanish', full: true, trigger_server: 'Den' })).toBe(
			'Reading Den again'
		);
	});
});

describe('summarize', () => {
	const now = Date.parse('2026-11-22T12:00:00Z');
	const opts = { loaded: true, servers: 2, now };
	it('says where syncing stands, long and short', () => {
		expect(summarize(null, { ...opts, loaded: false }).state).toBe('loading');
		expect(summarize(null, opts)).toMatchObject({ state: 'never', text: 'Never synced' });
		expect(summarize(null, { ...opts, servers: 0 })).toMatchObject({
			text: 'Never synced · nothing connected',
			short: 'Not connected'
		});
		expect(summarize(run({ status: 'queued' }), opts)).toMatchObject({ short: 'Queued' });
		expect(summarize(run({ percent: null }), opts)).toMatchObject({
			state: 'running',
			text: 'Syncing…',
			percent: null
		});
		expect(summarize(run({ percent: 42 }), opts)).toMatchObject({
			text: 'Syncing 42%',
			short: '42%',
			percent: 42
		});
		const done = run({ status: 'complete', finished_at: '2026-11-22T11:55:00Z' });
		expect(summarize(done, opts)).toMatchObject({ text: 'Synced 5 minutes ago', short: '5m ago' });
		expect(summarize({ ...done, finished_at: '2026-11-22T11:59:50Z' }, opts).short).toBe(
			'just now'
		);
		expect(summarize({ ...done, status: 'partial' }, opts)).toMatchObject({
			text: 'Partly synced 5 minutes ago',
			short: 'Partial'
		});
		expect(summarize({ ...done, status: 'failed' }, opts)).toMatchObject({ text: 'Sync failed' });
		expect(compactAgo('2026-11-20T12:00:00Z', now)).toBe('2d');
		expect(compactAgo('2026-11-22T09:00:00Z', now)).toBe('3h');
	});
});

describe('shortReason', () => {
	it('keeps the first reason, cut at a word', () => {
		expect(shortReason(null)).toBeNull();
		expect(shortReason('  ')).toBeNull();
		expect(shortReason('Jellyseerr: HTTP 500; Home: timed out')).toBe('Jellyseerr: HTTP 500');
		const long = `Home Server: ${'the server answered slowly, '.repeat(5)}then stopped`;
		const short = shortReason(long, 40)!;
		expect(short.length).toBeLessThanOrEqual(40);
		expect(short).toBe('Home Server: the server answered…');
		expect(shortReason('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
	});
});
