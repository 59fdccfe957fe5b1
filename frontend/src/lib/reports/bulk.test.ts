import { describe, expect, it } from 'vitest';
import { items, matchingFilter, overLimit } from './bulk';
import { defaultState } from './query';
import { TABLES } from './tables';

const ID = '8951939c-738a-4217-bbef-358cf50ac9cf';
const LIB = '54d02a39-6a82-41ef-bafa-3314cc49ef84';

describe('the filter of "all matching"', () => {
	it('is the search, server, library and the report’s own filter, never the page or sort', () => {
		const state = {
			...defaultState(TABLES.stale),
			page: 3,
			pageSize: 25,
			sort: 'title',
			q: 'matrix',
			connection: ID,
			library: LIB,
			filter: 'unknown'
		};
		expect(matchingFilter(state, TABLES.stale)).toEqual({
			q: 'matrix',
			connection_id: ID,
			library_id: LIB,
			evidence: 'unknown'
		});
	});

	it('names each report’s own filter by its parameter, and leaves out what is empty', () => {
		expect(matchingFilter(defaultState(TABLES.large), TABLES.large)).toEqual({ show: 'listed' });
		expect(
			matchingFilter({ ...defaultState(TABLES.languages), filter: 'audio' }, TABLES.languages)
		).toEqual({ issue: 'audio' });
	});

	it('leaves out the library of a report not filtered by library', () => {
		const state = { ...defaultState(TABLES.requests), library: LIB };
		expect(matchingFilter(state, TABLES.requests)).toEqual({});
	});
});

describe('limits', () => {
	it('says how many match and the limit, only above it', () => {
		expect(overLimit(100, 100, 'queued')).toBeNull();
		expect(overLimit(1234, 100, 'queued')).toBe(
			'1,234 items match this filter; at most 100 can be queued at once. Narrow the filter (search, server, library) and try again.'
		);
		expect(items(1)).toBe('1 item');
	});
});
