import { describe, expect, it } from 'vitest';
import { sharedSummary } from './paths';

const server = (files: number, by_path: number, name = 'Jellyfin') => ({
	connection_id: '00000000-0000-0000-0000-000000000001',
	name,
	files,
	by_path
});

describe('sharedSummary', () => {
	it('says when no server shares files', () => {
		expect(sharedSummary([])).toBe('No other server holds the same files (as of the last sync).');
	});
	it('says how the files were recognised', () => {
		expect(sharedSummary([server(1234, 1234)])).toBe(
			'1,234 files in common with Jellyfin (all by path).'
		);
		expect(sharedSummary([server(6, 0)])).toBe(
			'6 files in common with Jellyfin (by size, duration and title).'
		);
		expect(sharedSummary([server(1, 0, 'Plex'), server(10, 4)])).toBe(
			'1 file in common with Plex (by size, duration and title); 10 files in common with Jellyfin (4 by path).'
		);
	});
});
