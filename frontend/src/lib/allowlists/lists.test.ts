import { describe, expect, it } from 'vitest';
import {
	LISTS,
	countByList,
	dateInputToIso,
	downloadName,
	entryKey,
	formatProblem,
	hitDetails,
	hitMatch,
	importContentType,
	importSummary,
	isoToDateInput,
	parseImportError,
	type Entry
} from './lists';

function entry(over: Partial<Entry>): Entry {
	return {
		id: 'e1',
		list: 'protected',
		title: 'The Matrix',
		guid: null,
		connection_id: null,
		upstream_id: null,
		note: null,
		expires_at: null,
		created_at: '2026-01-01T00:00:00Z',
		expired: false,
		...over
	};
}

describe('parseImportError', () => {
	it('splits the per-row problems of a refused import', () => {
		const detail =
			'Nothing was imported. row 2: guid: must look like tmdb:603, tvdb:121361 or imdb:tt0133093; ' +
			'row 5: list: Must be one of: protected, french_only or episode_exempt; ' +
			'row 7: row: needs a guid (tmdb:603) or both connection_id and upstream_id';
		const out = parseImportError(detail);
		expect(out.summary).toBe('Nothing was imported.');
		expect(out.problems).toEqual([
			{ row: 2, field: 'guid', message: 'must look like tmdb:603, tvdb:121361 or imdb:tt0133093' },
			{
				row: 5,
				field: 'list',
				message: 'Must be one of: protected, french_only or episode_exempt'
			},
			{
				row: 7,
				field: null,
				message: 'needs a guid (tmdb:603) or both connection_id and upstream_id'
			}
		]);
		expect(out.problems.map(formatProblem)).toEqual([
			'Row 2: must look like tmdb:603, tvdb:121361 or imdb:tt0133093',
			'Row 5: Must be one of: protected, french_only or episode_exempt',
			'Row 7: needs a guid (tmdb:603) or both connection_id and upstream_id'
		]);
	});

	it('handles a row message without a field', () => {
		expect(
			parseImportError('Nothing was imported. row 3: connection_id is not one of your servers')
		).toEqual({
			summary: 'Nothing was imported.',
			problems: [{ row: 3, field: null, message: 'connection_id is not one of your servers' }]
		});
	});

	it('keeps a whole-file message as the summary', () => {
		const msg = 'The CSV needs a header row with at least the columns list and title.';
		expect(parseImportError(msg)).toEqual({ summary: msg, problems: [] });
	});
});

describe("parseImportError with the import's messages", () => {
	it('keeps the sentences whole, the semicolons inside them included', () => {
		const detail =
			'Nothing was imported (rows are counted from the first one after the header). ' +
			"row 3: list: the list 'favs' does not exist; the lists are protected, french_only; " +
			'row 4: title: the title is missing';
		const out = parseImportError(detail);
		expect(out.summary).toBe(
			'Nothing was imported (rows are counted from the first one after the header).'
		);
		expect(out.problems.map(formatProblem)).toEqual([
			"Row 3: the list 'favs' does not exist; the lists are protected, french_only",
			'Row 4: the title is missing'
		]);
		expect(out.problems.map((p) => p.field)).toEqual(['list', 'title']);
	});
});

describe('search hits', () => {
	const hit = {
		connection_id: 'c1',
		upstream_id: '101',
		title: 'The Matrix',
		year: 1999,
		kind: 'movie',
		server: 'Home',
		library: 'Films',
		guid: 'tmdb:603'
	};
	it('says what the hit is and what its entry will match', () => {
		expect(hitDetails(hit)).toBe('1999 · Movie · Home · Films');
		expect(hitDetails({ ...hit, year: null, kind: 'show' })).toBe('Show · Home · Films');
		expect(hitMatch(hit)).toBe('Matches tmdb:603 on every server.');
		expect(hitMatch({ ...hit, guid: null })).toBe(
			'No external id: matches this item on Home only (and the same file on your other servers).'
		);
	});
});

describe('small helpers', () => {
	it('counts entries per list, every list present', () => {
		const counts = countByList([
			entry({ list: 'protected' }),
			entry({ list: 'protected' }),
			entry({ list: 'episode_exempt' })
		]);
		expect(Object.keys(counts)).toEqual(LISTS.map((l) => l.name));
		expect(counts).toMatchObject({ protected: 2, episode_exempt: 1, french_only: 0 });
	});

	it('summarises an accepted import', () => {
		expect(importSummary({ added: 1, already_listed: 0 })).toBe('1 entry added.');
		expect(importSummary({ added: 1200, already_listed: 3 })).toBe(
			'1,200 entries added, 3 already listed.'
		);
	});

	it('picks the import content type from the file', () => {
		expect(importContentType({ name: 'a.JSON', type: '' })).toBe('application/json');
		expect(importContentType({ name: 'x', type: 'application/json' })).toBe('application/json');
		expect(importContentType({ name: 'list.csv', type: 'text/csv' })).toBe('text/csv');
	});

	it('round-trips a date input through ISO as the end of that local day', () => {
		const iso = dateInputToIso('2027-03-09');
		expect(iso).not.toBeNull();
		const d = new Date(iso!);
		expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours()]).toEqual([2027, 2, 9, 23]);
		expect(isoToDateInput(iso)).toBe('2027-03-09');
		expect(dateInputToIso('')).toBeNull();
		expect(dateInputToIso('2027-02-30')).toBeNull();
		expect(isoToDateInput(null)).toBe('');
	});

	it('reads the file name of a download', () => {
		expect(downloadName('attachment; filename="media-janitor-allowlists.csv"', 'x')).toBe(
			'media-janitor-allowlists.csv'
		);
		expect(downloadName("attachment; filename*=UTF-8''a%20b.json", 'x')).toBe('a b.json');
		expect(downloadName(null, 'fallback.csv')).toBe('fallback.csv');
	});

	it('shows how an entry matches', () => {
		expect(entryKey(entry({ guid: 'tmdb:603' }), () => 'Home')).toBe('tmdb:603');
		expect(entryKey(entry({ connection_id: 'c', upstream_id: '42' }), () => 'Home')).toBe(
			'Home · id 42'
		);
		expect(entryKey(entry({ connection_id: 'c', upstream_id: '42' }), () => undefined)).toBe(
			'id 42'
		);
	});
});
