/** The five allowlists, and the pure helpers the Allowlists page uses (errors, dates, downloads). */
import type { components } from '$lib/api/schema';

export type ListName = components['schemas']['ListName'];
export type Entry = components['schemas']['EntryOut'];
export type ImportResult = components['schemas']['ImportResult'];
export type ImportedEntry = components['schemas']['ImportedEntry'];
export type LibraryHit = components['schemas']['LibraryHit'];

export interface ListInfo {
	name: ListName;
	label: string;
	/** What being on the list does, in one sentence (empty states and the add form). */
	effect: string;
}

/** Effects as the reports apply them (backend/src/janitor/reports: stale.py, languages.py). */
export const LISTS: ListInfo[] = [
	{
		name: 'protected',
		label: 'Protected',
		effect: 'Never reported as stale, so never suggested for deletion.'
	},
	{
		name: 'french_only',
		label: 'French only',
		effect:
			'English audio is not required: the title (or every episode of the show) only needs the other required audio languages.'
	},
	{
		name: 'french_subs_only',
		label: 'French subtitles only',
		effect: 'No audio language is required: only the required subtitle languages are checked.'
	},
	{
		name: 'language_exempt',
		label: 'Language exempt',
		effect: 'No language rule applies: missing audio or subtitle languages are never reported.'
	},
	{
		name: 'episode_exempt',
		label: 'Episode exempt',
		effect: 'One episode that the language rules skip, while the rest of its show is still checked.'
	}
];

export function listInfo(name: ListName): ListInfo {
	return LISTS.find((l) => l.name === name) ?? LISTS[0];
}

export function countByList(entries: Entry[]): Record<ListName, number> {
	const out = Object.fromEntries(LISTS.map((l) => [l.name, 0])) as Record<ListName, number>;
	for (const e of entries) out[e.list] = (out[e.list] ?? 0) + 1;
	return out;
}

export interface ImportProblem {
	/** 1-based entry number in the file (data rows, not counting the CSV header), if named. */
	row: number | null;
	/** The column the problem is in, if named. */
	field: string | null;
	message: string;
}

export interface ImportFailure {
	summary: string;
	problems: ImportProblem[];
}

const ROW = /^row (\d+):\s*(.*)$/s;
const FIELD = /^([a-z_][a-z0-9_.]*):\s+(.*)$/s;

/**
 * The import endpoint refuses a whole file with one message naming the bad rows:
 * "Nothing was imported. row 2: guid: must look like tmdb:603, ...; row 5: title: Field required".
 * This splits it into one problem per row so the page can list them.
 */
export function parseImportError(detail: string): ImportFailure {
	const text = detail.trim();
	const first = text.search(/\brow \d+:/);
	if (first < 0) return { summary: text, problems: [] };
	const summary = text.slice(0, first).trim() || 'Nothing was imported.';
	const parts = text.slice(first).split(/;\s+(?=row \d+:)/);
	const problems = parts.map((part): ImportProblem => {
		const m = ROW.exec(part.trim());
		if (!m) return { row: null, field: null, message: part.trim() };
		const rest = m[2].trim();
		const f = FIELD.exec(rest);
		// A problem with the row as a whole comes back as "row: ..." (no field to name).
		if (f && f[1] !== 'row') return { row: Number(m[1]), field: f[1], message: f[2].trim() };
		return { row: Number(m[1]), field: null, message: f ? f[2].trim() : rest };
	});
	return { summary, problems };
}

/** "Row 3: the list 'favs' does not exist; …" (the message names the column in words). */
export function formatProblem(p: ImportProblem): string {
	return p.row !== null ? `Row ${p.row}: ${p.message}` : p.message;
}

const KINDS: Record<string, string> = { movie: 'Movie', show: 'Show' };

/** What a search hit is, after its title: "1999 · Movie · Home · Films". */
export function hitDetails(hit: LibraryHit): string {
	const kind = KINDS[hit.kind] ?? hit.kind;
	return [hit.year, kind, hit.server, hit.library]
		.filter((v) => v !== null && v !== '')
		.join(' · ');
}

/** What an entry added from a search hit will match. */
export function hitMatch(hit: LibraryHit): string {
	return hit.guid
		? `Matches ${hit.guid} on every server.`
		: `No external id: matches this item on ${hit.server} only (and the same file on your other servers).`;
}

export function importSummary(r: ImportResult): string {
	const added = `${r.added.toLocaleString('en-US')} ${r.added === 1 ? 'entry' : 'entries'} added`;
	if (!r.already_listed) return `${added}.`;
	return `${added}, ${r.already_listed.toLocaleString('en-US')} already listed.`;
}

/** The content type the import endpoint expects for a file, from its name or type. */
export function importContentType(file: {
	name: string;
	type: string;
}): 'application/json' | 'text/csv' {
	return file.type.includes('json') || /\.json$/i.test(file.name) ? 'application/json' : 'text/csv';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO timestamp as the local `yyyy-mm-dd` a date input shows; '' for none. */
export function isoToDateInput(iso: string | null | undefined): string {
	if (!iso) return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return '';
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A date input's `yyyy-mm-dd` as the end of that local day, in ISO; null when empty or invalid. */
export function dateInputToIso(value: string): string | null {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
	if (!m) return null;
	const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59);
	if (Number.isNaN(d.getTime()) || d.getDate() !== Number(m[3])) return null;
	return d.toISOString();
}

/** The file name from a `Content-Disposition` header, or a fallback. */
export function downloadName(header: string | null, fallback: string): string {
	const star = header?.match(/filename\*=(?:UTF-8'')?([^;]+)/i);
	if (star) return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
	const plain = header?.match(/filename="?([^";]+)"?/i);
	return plain ? plain[1].trim() : fallback;
}

/** How an entry is matched, for the table: the external id, or the server and its item id. */
export function entryKey(e: Entry, serverName: (id: string) => string | undefined): string {
	if (e.guid) return e.guid;
	if (e.connection_id && e.upstream_id) {
		const server = serverName(e.connection_id);
		return server ? `${server} · id ${e.upstream_id}` : `id ${e.upstream_id}`;
	}
	return '—';
}
