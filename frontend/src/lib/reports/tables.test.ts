import { describe, expect, it } from 'vitest';
import type { RequestRow } from '$lib/api/types';
import { langs, requestStatus, TABLES } from './tables';

function req(patch: Partial<RequestRow>): RequestRow {
	return {
		connection_id: '8951939c-738a-4217-bbef-358cf50ac9cf',
		upstream_id: 1,
		media_type: 'movie',
		title: 'Dune',
		tmdb_id: 438631,
		requested_by: 'alice',
		requested_at: '2026-11-01T00:00:00Z',
		age_days: 3,
		category: 'pending',
		unavailable: true,
		stuck: false,
		future_dates: false,
		media_status: 'pending',
		is_4k: false,
		server: 'Seerr',
		why: '',
		...patch
	};
}

describe('request status in plain words', () => {
	it('says the category, then what overlaps it', () => {
		expect(requestStatus(req({}))).toBe('Pending approval · not available yet');
		expect(requestStatus(req({ unavailable: false, media_status: 'available' }))).toBe(
			'Pending approval'
		);
		expect(requestStatus(req({ category: 'processing', media_status: 'processing' }))).toBe(
			'Approved · not available yet'
		);
		expect(
			requestStatus(
				req({ category: 'processing', media_status: 'partially_available', stuck: true })
			)
		).toBe('Approved · partly available · stuck');
		expect(requestStatus(req({ category: 'failed', unavailable: false }))).toBe('Failed');
		expect(
			requestStatus(req({ category: 'gone', unavailable: false, media_status: 'deleted' }))
		).toBe('Gone · deleted');
		expect(
			requestStatus(req({ category: 'gone', unavailable: false, media_status: 'blocklisted' }))
		).toBe('Gone · blocklisted');
		expect(requestStatus(req({ future_dates: true }))).toBe(
			'Pending approval · not available yet · date in the future'
		);
	});

	it('offers every filter of the API, Jellyseerr-style unavailable and gone told apart', () => {
		const options = TABLES.requests.filterDef?.options ?? [];
		expect(options.map((o) => o.value)).toEqual([
			'all',
			'unavailable',
			'pending',
			'processing',
			'stuck',
			'failed',
			'gone',
			'future_dates'
		]);
		expect(options.find((o) => o.value === 'gone')?.label).toBe('Gone (deleted or blocklisted)');
		const requested = TABLES.requests.columns.find((c) => c.label === 'Requested');
		expect(requested?.value(req({ age_days: null, requested_at: '2027-01-01T12:00:00Z' }))).toMatch(
			/\(in the future\)$/
		);
	});
});

describe('languages report', () => {
	it('offers the untagged and unknown lists apart from missing languages, each explained', () => {
		const options = TABLES.languages.filterDef?.options ?? [];
		expect(options.map((o) => [o.value, o.label])).toEqual([
			['all', 'Missing a language'],
			['audio', 'Missing audio'],
			['subtitles', 'Missing subtitles'],
			['untagged', 'Untagged streams'],
			['unknown', 'Not analysed yet']
		]);
		expect(options.find((o) => o.value === 'unknown')?.note).toContain('never counted as missing');
		expect(options.find((o) => o.value === 'untagged')?.note).toContain('no language tag');
		expect(TABLES.languages.filter?.values).toContain('unknown');
	});

	it('shows the languages a row has, and unknown before the server analysed the file', () => {
		const known = { languages_known: true };
		expect(langs(known, ['en', 'fr'], 1)).toBe('en, fr · 1 not tagged');
		expect(langs(known, ['en'], 0, ['fr'])).toBe('en · forced fr only');
		expect(langs(known, [], 0)).toBe('none');
		expect(langs({ languages_known: false }, [], 0)).toBe('unknown');
	});
});
