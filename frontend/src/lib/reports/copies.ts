import type { LibraryStorage, ServerCopy } from '$lib/api/types';
import { bytes } from '$lib/format';

/** How a row names a copy of its item on another server. */
export function copyLabel(c: ServerCopy): string {
	if (c.relation === 'same_file') return `Same file on ${c.server}`;
	if (c.relation === 'same_show') return `Same show on ${c.server}`;
	return `Another file on ${c.server}${c.size_bytes ? ` (${bytes(c.size_bytes)})` : ''}`;
}

/** The storage card's note on files several servers hold (counted once), or null when none. */
export function sharedStorageNote(storage: LibraryStorage[]): string | null {
	const shared = storage.filter((s) => s.shared_bytes > 0);
	if (!shared.length) return null;
	const total = shared.reduce((n, s) => n + s.shared_bytes, 0);
	const where = shared.map((s) => `${s.library} (${s.server})`).join(', ');
	return `Files held by more than one server are counted once: ${bytes(total)} in ${where} are the same files as another server's.`;
}
