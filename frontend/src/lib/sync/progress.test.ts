import { describe, expect, it } from 'vitest';
import type { SourceProgress, SyncRun } from '$lib/api/types';
import {
	applyProgress,
	asProgressEvent,
	asRun,
	formatDuration,
	isActive,
	percent,
	runFraction,
	sourceCount,
	sourceFraction,
	statusStyle,
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
		...p
	};
}

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

describe('isActive', () => {
	it('is true for queued and running only', () => {
		expect(isActive(run({ status: 'queued' }))).toBe(true);
		expect(isActive(run({ status: 'running' }))).toBe(true);
		for (const s of ['complete', 'partial', 'failed', 'cancelled'] as const)
			expect(isActive(run({ status: s }))).toBe(false);
		expect(isActive(null)).toBe(false);
	});
});

describe('sourceFraction', () => {
	it('uses items/total, capped at 1', () => {
		expect(sourceFraction(src({ items: 25, total: 100 }))).toBe(0.25);
		expect(sourceFraction(src({ items: 120, total: 100 }))).toBe(1);
	});
	it('is unknown without a total, and 1 once the source finished', () => {
		expect(sourceFraction(src({ items: 5 }))).toBeNull();
		expect(sourceFraction(src({ status: 'failed', items: 5 }))).toBe(1);
		expect(sourceFraction(src({ status: 'complete', total: 0 }))).toBe(1);
	});
});

describe('runFraction', () => {
	it('averages the sources, counting unknown ones as 0', () => {
		const r = run({
			sources: {
				a: src({ items: 50, total: 100 }),
				b: src({ status: 'complete' }),
				c: src({ items: 3 })
			}
		});
		expect(runFraction(r)).toBeCloseTo(0.5);
		expect(percent(runFraction(r))).toBe(50);
	});
	it('is indeterminate with no measurable source, and never 100% while active', () => {
		expect(runFraction(run())).toBeNull();
		expect(runFraction(run({ sources: { a: src({ items: 3 }) } }))).toBeNull();
		expect(runFraction(run({ sources: { a: src({ status: 'complete' }) } }))).toBe(0.99);
	});
	it('is 1 for a finished run', () => {
		expect(runFraction(run({ status: 'failed' }))).toBe(1);
		expect(percent(null)).toBeNull();
	});
});

describe('applyProgress', () => {
	it('merges counts, phase and sources; queued becomes running', () => {
		const r = run({ status: 'queued' });
		const next = applyProgress(r, {
			run_id: 'r1',
			phase: 'syncing',
			items: 10,
			upstream_requests: 4,
			sources: { a: src({ items: 10, total: 20 }) }
		});
		expect(next).toMatchObject({ status: 'running', phase: 'syncing', items: 10 });
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
		expect(triggerLabel('manual')).toBe('Refresh');
		expect(triggerLabel('schedule')).toBe('Scheduled');
		expect(triggerLabel('other')).toBe('Other');
	});
});
