import { describe, expect, it } from 'vitest';
import {
	ageSeries,
	ageSummary,
	breakdownText,
	cardInfo,
	hasData,
	hasSyncedData,
	reportHref,
	storageSeries,
	storageSummary,
	totalReclaimable,
	type LibraryStorage
} from './shape';

function lib(library: string, size: number, server = 'Home', items = 1): LibraryStorage {
	return {
		library_id: `${server}-${library}`,
		library,
		server,
		kind: 'movie',
		items,
		size_bytes: size,
		shared_items: 0,
		shared_bytes: 0
	};
}

describe('cards', () => {
	it('labels known reports and links to their page', () => {
		expect(cardInfo('large').title).toBe('Large movies');
		expect(cardInfo('recently-available').unit).toEqual(['title', 'titles']);
		expect(reportHref('recently-available')).toBe('/reports/recently-available');
	});

	it('gives an unknown report a readable title', () => {
		expect(cardInfo('new-thing').title).toBe('New thing');
	});

	it('adds up reclaimable bytes, ignoring cards without any', () => {
		expect(
			totalReclaimable([
				{ report: 'duplicates', count: 2, reclaimable_bytes: 5 },
				{ report: 'languages', count: 3, reclaimable_bytes: null },
				{ report: 'large', count: 1, reclaimable_bytes: 7 }
			])
		).toBe(12);
	});
});

describe('breakdownText', () => {
	it('names the overlapping filters a card counts apart, in plain words, non-zero only', () => {
		const card = {
			report: 'requests',
			count: 9,
			breakdown: {
				pending: 4,
				unavailable: 6,
				processing: 3,
				stuck: 1,
				failed: 0,
				gone: 2,
				future_dates: 1
			}
		};
		expect(breakdownText(card)).toBe(
			'6 not available yet · 1 stuck · 2 gone · 1 dated in the future'
		);
		expect(
			breakdownText({ report: 'recently-available', count: 3, breakdown: { future_dates: 0 } })
		).toBe('');
		expect(breakdownText({ report: 'large', count: 3 })).toBe('');
	});
});

describe('storageSeries', () => {
	it('sorts by size and names the server when two libraries share a name', () => {
		const out = storageSeries([
			lib('Movies', 2e9, 'Home'),
			lib('Music', 5e9, 'Home'),
			lib('Movies', 3e9, 'Jellyfin')
		]);
		expect(out.map((p) => [p.label, p.gb])).toEqual([
			['Music', 5],
			['Movies (Jellyfin)', 3],
			['Movies (Home)', 2]
		]);
	});

	it('folds the smallest libraries into one bar past the limit', () => {
		const out = storageSeries(
			[lib('A', 50, 'S', 5), lib('B', 40, 'S', 4), lib('C', 30, 'S', 3), lib('D', 20, 'S', 2)],
			3
		);
		expect(out.map((p) => p.label)).toEqual(['A', 'B', '2 other libraries']);
		expect(out[2]).toMatchObject({ bytes: 50, items: 5 });
	});

	it('summarises for screen readers', () => {
		const out = storageSeries([lib('Movies', 2e9), lib('Shows', 1e9)]);
		expect(storageSummary(out)).toBe(
			'Storage by library: 3.0 GB in 2 libraries; largest: Movies 2.0 GB, Shows 1.0 GB.'
		);
		expect(storageSummary([])).toBe('No libraries yet.');
	});
});

describe('ageSeries', () => {
	it('keeps the API order and capitalises labels', () => {
		const out = ageSeries([
			{ label: 'never watched', count: 2 },
			{ label: 'over 2 years', count: 0 },
			{ label: '6-12 months', count: 1 }
		]);
		expect(out).toEqual([
			{ label: 'Never watched', count: 2 },
			{ label: 'Over 2 years', count: 0 },
			{ label: '6-12 months', count: 1 }
		]);
		expect(ageSummary(out)).toBe(
			'Stale items by time since last watched, 3 in all: never watched: 2, 6-12 months: 1.'
		);
		expect(hasData(out)).toBe(true);
		expect(hasData([{ count: 0 }])).toBe(false);
		expect(ageSummary([{ label: 'x', count: 0 }])).toBe('No stale items.');
	});
});

describe('hasSyncedData', () => {
	const base = {
		cards: [],
		storage: [],
		stale_by_age: [],
		has_connections: true,
		last_sync: null,
		data_as_of: null,
		derived_stale: false,
		derived_stale_reason: null,
		first_sync_running: false
	};
	const run = (status: string) => ({ status, started_at: null, finished_at: null });

	it('is false before any sync and during the first one', () => {
		expect(hasSyncedData(base)).toBe(false);
		expect(hasSyncedData({ ...base, last_sync: run('running') })).toBe(false);
		expect(
			hasSyncedData({ ...base, last_sync: run('queued'), storage: [lib('Movies', 0, 'S', 0)] })
		).toBe(false);
		// the server says its first sync runs: nothing counts, whatever the figures
		expect(
			hasSyncedData({
				...base,
				first_sync_running: true,
				last_sync: run('complete'),
				storage: [lib('Movies', 5, 'S', 3)]
			})
		).toBe(false);
	});

	it('is true once a run ended, whatever its outcome', () => {
		for (const status of ['complete', 'partial', 'failed', 'cancelled'])
			expect(hasSyncedData({ ...base, last_sync: run(status) })).toBe(true);
	});

	it('is true while a later sync runs over items already read', () => {
		expect(
			hasSyncedData({ ...base, last_sync: run('running'), storage: [lib('Movies', 5e9, 'S', 3)] })
		).toBe(true);
	});
});
