import { describe, expect, it } from 'vitest';
import { addedMessage, expiryIso, LISTS, rowKey } from './allowlist';
import { TABLES } from './tables';

describe('allowlists from report rows', () => {
	const now = new Date(2026, 10, 22, 12, 0, 0);
	it('an expiry day means the end of that day, local time', () => {
		expect(expiryIso('', now)).toBeNull();
		expect(expiryIso('2026-12-31', now)).toBe(new Date(2026, 11, 31, 23, 59, 59).toISOString());
		expect(expiryIso('2026-11-22', now)).toBe(new Date(2026, 10, 22, 23, 59, 59).toISOString());
	});
	it('refuses past, impossible and malformed days', () => {
		expect(expiryIso('2026-11-21', now)).toEqual({ error: 'The expiry must be in the future.' });
		expect(expiryIso('2026-02-30', now)).toEqual({ error: 'That date does not exist.' });
		expect(expiryIso('31/12/2026', now)).toEqual({ error: 'Enter a date such as 2026-12-31.' });
	});
	it('says whether the rows leave the report', () => {
		expect(addedMessage('protected', 1, 0, 'stale')).toBe(
			'Added 1 item to Protected. They leave this report.'
		);
		expect(addedMessage('protected', 2, 1, 'large')).toBe(
			'Added 2 items to Protected. 1 was already listed. They stay in this report: the list does not apply to it.'
		);
		expect(addedMessage('language_exempt', 0, 3, 'languages')).toBe(
			'Added 0 items to Language exempt. 3 were already listed. They leave this report.'
		);
		expect(addedMessage('french_only', 1, 0, 'languages')).toContain('unless another rule');
	});
	it('offers only lists that exist, on the reports that take bulk actions', () => {
		const offered = Object.values(TABLES).flatMap((t) => t.lists ?? []);
		for (const list of offered) expect(LISTS[list]).toBeDefined();
		expect(TABLES.stale.lists?.[0]).toBe('protected');
		expect(TABLES.languages.lists?.[0]).toBe('language_exempt');
		expect(TABLES.requests.lists).toBeUndefined();
	});
	it('keys rows by server and id', () => {
		expect(rowKey({ connection_id: 'c', upstream_id: 12 })).toBe('c/12');
	});
});

describe('row links', () => {
	it('Jellyseerr requests link to the title on Jellyseerr', () => {
		const link = TABLES.requests.linkOf!;
		const row = {
			connection_id: 'c',
			upstream_id: 1,
			title: 'Dune',
			why: '',
			server: 'Jellyseerr',
			media_type: 'tv',
			tmdb_id: 438631
		};
		expect(link(row, 'http://seerr.local:5055/')).toBe('http://seerr.local:5055/tv/438631');
		const movie = { ...row, media_type: 'movie' };
		const unknown = { ...row, tmdb_id: null };
		expect(link(movie, 'http://s')).toBe('http://s/movie/438631');
		expect(link(unknown, 'http://s')).toBeNull();
	});
});
