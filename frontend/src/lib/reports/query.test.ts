import { describe, expect, it } from 'vitest';
import {
	apiQuery,
	ariaSort,
	change,
	csvFilename,
	defaultState,
	isFiltered,
	libraryChoices,
	pageCount,
	readState,
	toggleSort,
	writeState,
	type StateSpec
} from './query';
import { DUPLICATES, TABLES } from './tables';

const ID = '8951939c-738a-4217-bbef-358cf50ac9cf';
const LIB = '54d02a39-6a82-41ef-bafa-3314cc49ef84';
const languages: StateSpec = TABLES.languages;
const requests: StateSpec = TABLES.requests;
const recent: StateSpec = TABLES['recently-available'];

const read = (qs: string, spec: StateSpec = languages) => readState(new URLSearchParams(qs), spec);

describe('URL query <-> table state', () => {
	it('an empty query is the report default, and the default writes an empty query', () => {
		const s = read('');
		expect(s).toEqual(defaultState(languages));
		expect(s).toMatchObject({ page: 1, pageSize: 50, sort: 'title', order: 'asc', filter: 'all' });
		expect(writeState(s, languages)).toBe('');
	});

	it('round-trips every field', () => {
		const s = {
			page: 3,
			pageSize: 100,
			sort: 'added',
			order: 'desc' as const,
			q: 'the matrix & co',
			connection: ID,
			library: LIB,
			filter: 'subtitles'
		};
		const qs = writeState(s, languages);
		expect(qs).toBe(
			`q=the+matrix+%26+co&server=${ID}&library=${LIB}&issue=subtitles&sort=added&order=desc&size=100&page=3`
		);
		expect(read(qs)).toEqual(s);
	});

	it('drops what is unknown or malformed instead of sending it to the API', () => {
		const s = read(
			'page=0&size=7&sort=size&order=sideways&server=not-a-uuid&library=1&issue=video&q=%20x%20'
		);
		expect(s).toEqual({ ...defaultState(languages), q: 'x' });
		expect(read('page=2.5').page).toBe(1);
		expect(read('page=100001').page).toBe(1);
		expect(read(`q=${'a'.repeat(300)}`).q).toHaveLength(200);
		// An order without a known sort keeps the default pair (no half-applied sort).
		expect(read('order=desc')).toMatchObject({ sort: 'title', order: 'asc' });
		// Ids are compared case-insensitively by the API; the URL keeps one spelling.
		expect(read(`server=${ID.toUpperCase()}`).connection).toBe(ID);
	});

	it('reports without a library filter or sortable columns ignore those parameters', () => {
		expect(read(`library=${LIB}&sort=title&order=asc`, recent)).toEqual(defaultState(recent));
		expect(writeState({ ...defaultState(recent), library: LIB }, recent)).toBe('');
		expect(read('category=stuck', requests).filter).toBe('stuck');
		expect(read('issue=audio', requests).filter).toBe('all');
		// Jellyseerr's "unavailable", "gone" (available, then deleted or blocklisted), future dates.
		for (const f of ['unavailable', 'gone', 'future_dates'])
			expect(read(`category=${f}`, requests).filter).toBe(f);
		expect(read('dates=future', recent).filter).toBe('future');
		expect(writeState({ ...defaultState(recent), filter: 'future' }, recent)).toBe('dates=future');
		expect(read('dates=tomorrow', recent).filter).toBe('recent');
		expect(defaultState(DUPLICATES)).toMatchObject({ sort: '', filter: '' });
	});
});

describe('the stale report evidence filter', () => {
	const stale: StateSpec = TABLES.stale;
	it('defaults to judged-stale items and keeps the unknown view in the URL and the API query', () => {
		expect(read('', stale).filter).toBe('stale');
		expect(apiQuery(defaultState(stale), stale).evidence).toBe('stale');
		const unknown = read('evidence=unknown', stale);
		expect(unknown.filter).toBe('unknown');
		expect(writeState(unknown, stale)).toBe('evidence=unknown');
		expect(apiQuery(unknown, stale).evidence).toBe('unknown');
		expect(read('evidence=maybe', stale).filter).toBe('stale');
	});
});

describe('API query', () => {
	it('names parameters as the API does and leaves out empty ones', () => {
		expect(apiQuery(defaultState(languages), languages)).toEqual({
			page: 1,
			page_size: 50,
			sort: 'title',
			order: 'asc',
			issue: 'all'
		});
		const s = { ...defaultState(requests), q: 'dune', connection: ID, filter: 'stuck', page: 2 };
		expect(apiQuery(s, requests)).toEqual({
			page: 2,
			page_size: 50,
			sort: 'age',
			order: 'asc',
			q: 'dune',
			connection_id: ID,
			category: 'stuck'
		});
		expect(apiQuery(defaultState(recent), recent)).toEqual({
			page: 1,
			page_size: 50,
			order: 'desc',
			dates: 'recent'
		});
		expect(apiQuery({ ...defaultState(recent), filter: 'future' }, recent)).toMatchObject({
			dates: 'future'
		});
	});
});

describe('sorting, filtering and paging', () => {
	const s = { ...defaultState(TABLES.large), page: 4 };
	it('a new column starts with its natural order; the same column flips; both go to page 1', () => {
		const byTitle = toggleSort(s, 'title', 'asc');
		expect(byTitle).toMatchObject({ sort: 'title', order: 'asc', page: 1 });
		expect(toggleSort(byTitle, 'title', 'asc')).toMatchObject({ sort: 'title', order: 'desc' });
		expect(toggleSort(s, 'size', 'desc')).toMatchObject({ sort: 'size', order: 'asc' });
		expect(ariaSort(s, 'size')).toBe('descending');
		expect(ariaSort(byTitle, 'title')).toBe('ascending');
		expect(ariaSort(byTitle, 'size')).toBe('none');
	});
	it('a filter change restarts at page 1; a page change keeps the filters', () => {
		expect(change(s, { q: 'x' })).toMatchObject({ q: 'x', page: 1 });
		expect(change({ ...s, q: 'x' }, { page: 7 })).toMatchObject({ q: 'x', page: 7 });
	});
	it('knows when filters, not the thresholds, emptied a report', () => {
		expect(isFiltered(defaultState(languages), languages)).toBe(false);
		expect(isFiltered({ ...defaultState(languages), sort: 'added', page: 3 }, languages)).toBe(
			false
		);
		expect(isFiltered({ ...defaultState(languages), filter: 'audio' }, languages)).toBe(true);
		expect(isFiltered({ ...defaultState(languages), connection: ID }, languages)).toBe(true);
		expect(isFiltered({ ...defaultState(languages), q: 'a' }, languages)).toBe(true);
	});
	it('counts pages', () => {
		expect(pageCount(0, 50)).toBe(1);
		expect(pageCount(50, 50)).toBe(1);
		expect(pageCount(51, 50)).toBe(2);
	});
});

describe('CSV export', () => {
	it('names the file after the report and the local day', () => {
		expect(csvFilename('stale', new Date(2026, 0, 5, 23, 59))).toBe(
			'media-janitor-stale-2026-01-05.csv'
		);
		expect(csvFilename('recently-available', new Date(2026, 10, 22))).toBe(
			'media-janitor-recently-available-2026-11-22.csv'
		);
	});
	it('sends the same filters as the table, so the file holds the rows the person sees', () => {
		const s = { ...defaultState(languages), filter: 'audio', q: 'x', library: LIB, page: 3 };
		expect(apiQuery(s, languages)).toMatchObject({ issue: 'audio', q: 'x', library_id: LIB });
	});
});

describe('libraryChoices', () => {
	const libs = [
		{ id: '1', connection_id: 'plex', kind: 'music', title: 'Music' },
		{ id: '2', connection_id: 'plex', kind: 'movie', title: 'Movies' },
		{ id: '3', connection_id: 'jf', kind: 'show', title: 'Anime' },
		{ id: '4', connection_id: 'plex', kind: 'other', title: 'Photos' }
	] as const;
	const spec = { sorts: [], sort: '', order: 'asc', library: true } as const;

	it('offers every library by title when the report names no kinds', () => {
		expect(libraryChoices(libs, spec, '').map((l) => l.title)).toEqual([
			'Anime',
			'Movies',
			'Music',
			'Photos'
		]);
	});

	it('keeps the kinds the report reads, on the chosen server', () => {
		const video = { ...spec, libraryKinds: ['movie', 'show'] } as const;
		expect(libraryChoices(libs, video, '').map((l) => l.title)).toEqual(['Anime', 'Movies']);
		expect(libraryChoices(libs, video, 'plex').map((l) => l.title)).toEqual(['Movies']);
		const music = { ...spec, libraryKinds: ['music'] } as const;
		expect(libraryChoices(libs, music, 'jf')).toEqual([]);
	});
});
