import { describe, expect, it } from 'vitest';
import type { LibraryStorage, ServerCopy } from '$lib/api/types';
import { copyLabel, sharedStorageNote } from './copies';

const copy = (patch: Partial<ServerCopy>): ServerCopy => ({
	connection_id: '00000000-0000-0000-0000-000000000002',
	upstream_id: 'abc',
	server: 'Jellyfin',
	server_kind: 'jellyfin',
	library: 'Movies',
	link: 'http://jf/web/#/details?id=abc',
	size_bytes: 60_000_000_000,
	relation: 'same_file',
	...patch
});

const library = (patch: Partial<LibraryStorage>): LibraryStorage => ({
	library_id: '00000000-0000-0000-0000-000000000003',
	library: 'Movies',
	server: 'Jellyfin',
	kind: 'movie',
	items: 1,
	size_bytes: 60_000_000_000,
	shared_items: 0,
	shared_bytes: 0,
	...patch
});

describe('copies on other servers', () => {
	it('names each kind of copy', () => {
		expect(copyLabel(copy({}))).toBe('Same file on Jellyfin');
		expect(copyLabel(copy({ relation: 'same_show' }))).toBe('Same show on Jellyfin');
		expect(copyLabel(copy({ relation: 'other_file' }))).toBe('Another file on Jellyfin (60.0 GB)');
		expect(copyLabel(copy({ relation: 'other_file', size_bytes: null }))).toBe(
			'Another file on Jellyfin'
		);
	});

	it('says when storage counted shared files once', () => {
		expect(sharedStorageNote([library({})])).toBeNull();
		expect(
			sharedStorageNote([
				library({ shared_items: 4, shared_bytes: 70_000_000_000 }),
				library({ library: 'TV', shared_bytes: 4_000_000_000 })
			])
		).toBe(
			"Files held by more than one server are counted once: 74.0 GB in Movies (Jellyfin), TV (Jellyfin) are the same files as another server's."
		);
	});
});
