/**
 * The five row reports as data: their columns, sorts, filters and actions. One generic table
 * (`report-table.svelte`) renders any of them; duplicates (groups of copies) has its own view.
 */
import type {
	LanguageIssue,
	LargeMovie,
	ListName,
	RecentRow,
	RequestRow,
	ServerCopy,
	StaleItem
} from '$lib/api/types';
import { bitrate, bytes, count, sentence, shortDate } from '$lib/format';
import type { ReportSlug } from './catalog';
import type { FilterParam, SortOrder, StateSpec } from './query';

/** What every report row has. */
export interface BaseRow {
	connection_id: string;
	upstream_id: string | number;
	title: string | null;
	why: string;
	server: string;
	library?: string | null;
	link?: string | null;
	/** The same file (or show) on the account's other servers, or the title there as another file. */
	copies?: ServerCopy[];
}

export interface Column<T> {
	label: string;
	/** The API's sort key, when the column is sortable. */
	sort?: string;
	/** Order on the first click: text A→Z, sizes and dates largest/newest first. */
	first?: SortOrder;
	numeric?: boolean;
	value(row: T): string;
}

export interface FilterOption {
	value: string;
	label: string;
	/** What the rows under this filter are, in a sentence (shown above the table). */
	note?: string;
}

export interface FilterDef {
	param: FilterParam;
	label: string;
	options: readonly FilterOption[];
}

export type TableSlug = Exclude<ReportSlug, 'duplicates'>;

export interface TableDef<T extends BaseRow = BaseRow> extends StateSpec {
	slug: TableSlug;
	/** The title column's sort key, if sortable. */
	titleSort?: string;
	/** After the title: year, episode count… */
	titleExtra?(row: T): string;
	columns: readonly Column<T>[];
	filterDef?: FilterDef;
	/** Lists the rows can be added to in bulk (first = preselected); none = no selection. */
	lists?: readonly ListName[];
	/** Rows are movies, shows or episodes people can be assigned to (an episode: its show). */
	assignable?: boolean;
	/** The deletion reason of rows queued from this report (`POST /deletions/queue`), if they can be. */
	deletion?: 'stale' | 'large' | 'language';
	/** Rows can be kept at their size ("Keep this size…"; the large movies report). */
	dismissable?: boolean;
	/** A link for rows the API gives none (Jellyseerr requests), from the connection's URL. */
	linkOf?(row: T, baseUrl: string): string | null;
}

const year = (row: { year: number | null }) => (row.year ? String(row.year) : '');
/** A row's languages of one kind: "en, fr · 1 not tagged", "unknown" before the server analysed it. */
export function langs(
	row: Pick<LanguageIssue, 'languages_known'>,
	codes: string[],
	untagged: number,
	forced: string[] = []
): string {
	if (!row.languages_known) return 'unknown';
	const known = codes.length ? codes.join(', ') : '';
	const extra = untagged ? `${untagged} not tagged` : '';
	const only = forced.length ? `forced ${forced.join(', ')} only` : '';
	return [known, extra, only].filter(Boolean).join(' · ') || 'none';
}

function filter(
	param: FilterParam,
	label: string,
	options: ([string, string] | [string, string, string])[]
) {
	const def: FilterDef = {
		param,
		label,
		options: options.map(([value, l, note]) => ({ value, label: l, ...(note ? { note } : {}) }))
	};
	return { filterDef: def, filter: { param, values: options.map(([v]) => v) } };
}

const large: TableDef<LargeMovie> = {
	slug: 'large',
	sorts: ['title', 'size', 'bitrate', 'added'],
	sort: 'size',
	order: 'desc',
	library: true,
	libraryKinds: ['movie'],
	titleSort: 'title',
	titleExtra: year,
	columns: [
		{
			label: 'Size',
			sort: 'size',
			first: 'desc',
			numeric: true,
			value: (r) => bytes(r.size_bytes)
		},
		{
			label: 'Video',
			value: (r) => [r.video_resolution, r.video_codec].filter(Boolean).join(' · ') || '—'
		},
		{
			label: 'Bitrate',
			sort: 'bitrate',
			first: 'desc',
			numeric: true,
			value: (r) => bitrate(r.bitrate_kbps)
		},
		{ label: 'Added', sort: 'added', first: 'desc', value: (r) => shortDate(r.added_at) }
	],
	...filter('show', 'Show', [
		['listed', 'In the report'],
		[
			'dismissed',
			'Kept at this size',
			'Movies you chose to keep at their size. They come back by themselves if their file changes; restore one to put it back now.'
		]
	]),
	lists: ['protected'],
	assignable: true,
	deletion: 'large',
	dismissable: true
};

const stale: TableDef<StaleItem> = {
	slug: 'stale',
	sorts: ['title', 'size', 'last_watched', 'added'],
	// Never watched first, then the longest unwatched.
	sort: 'last_watched',
	order: 'asc',
	library: true,
	libraryKinds: ['movie', 'show'],
	titleSort: 'title',
	titleExtra: (r) => (r.kind === 'show' && r.episodes ? `${count(r.episodes)} episodes` : year(r)),
	// Items whose watch evidence is unknown are never stale: they are listed apart, with why.
	...filter('evidence', 'Evidence', [
		['stale', 'Judged stale'],
		['unknown', 'Evidence unknown']
	]),
	columns: [
		{
			label: 'Size',
			sort: 'size',
			first: 'desc',
			numeric: true,
			value: (r) => bytes(r.size_bytes)
		},
		{
			label: 'Last watched',
			sort: 'last_watched',
			first: 'asc',
			value: (r) =>
				r.last_watched_at
					? `${shortDate(r.last_watched_at)}${r.last_watched_by ? ` by ${r.last_watched_by}` : ''}`
					: r.evidence === 'unknown'
						? 'Unknown'
						: 'Never'
		},
		{ label: 'Added', sort: 'added', first: 'desc', value: (r) => shortDate(r.added_at) }
	],
	lists: ['protected'],
	assignable: true,
	deletion: 'stale'
};

const languages: TableDef<LanguageIssue> = {
	slug: 'languages',
	sorts: ['title', 'added'],
	sort: 'title',
	order: 'asc',
	library: true,
	libraryKinds: ['movie', 'show'],
	titleSort: 'title',
	...filter('issue', 'Issue', [
		[
			'all',
			'Missing a language',
			'Movies and episodes missing a required audio or subtitle language. Untagged streams and files not analysed yet have filters of their own.'
		],
		['audio', 'Missing audio'],
		[
			'subtitles',
			'Missing subtitles',
			'A forced subtitle track (foreign dialogue only) never counts; a separate subtitle file does.'
		],
		[
			'untagged',
			'Untagged streams',
			'Streams with no language tag: they might be a language you require, but cannot be checked. Tag them in the file or on the server. These are not counted as issues.'
		],
		[
			'unknown',
			'Not analysed yet',
			'Files whose audio and subtitle streams the server has not reported yet (usually not analysed yet). Their languages are unknown, so they are never counted as missing anything.'
		]
	]),
	columns: [
		{ label: 'Audio', value: (r) => langs(r, r.audio_languages, r.untagged_audio) },
		{
			label: 'Subtitles',
			value: (r) => langs(r, r.subtitle_languages, r.untagged_subtitles, r.forced_only_subtitles)
		},
		{ label: 'Added', sort: 'added', first: 'desc', value: (r) => shortDate(r.added_at) }
	],
	lists: ['language_exempt', 'episode_exempt', 'french_only', 'french_subs_only'],
	assignable: true,
	deletion: 'language'
};

const CATEGORY_WORDS: Record<RequestRow['category'], string> = {
	pending: 'Pending approval',
	processing: 'Approved',
	failed: 'Failed',
	gone: 'Gone'
};

/** A request's state in plain words: its category, then what overlaps it (not available yet, stuck…). */
export function requestStatus(r: RequestRow): string {
	const parts = [CATEGORY_WORDS[r.category]];
	if (r.category === 'gone')
		parts.push(r.media_status === 'blocklisted' ? 'blocklisted' : 'deleted');
	else if (r.media_status === 'partially_available' && r.unavailable)
		parts.push('partly available');
	else if (r.unavailable) parts.push('not available yet');
	if (r.stuck) parts.push('stuck');
	if (r.future_dates) parts.push('date in the future');
	return parts.join(' · ');
}

const requests: TableDef<RequestRow> = {
	slug: 'requests',
	sorts: ['title', 'requested_by', 'age'],
	sort: 'age',
	order: 'asc',
	library: false,
	titleSort: 'title',
	...filter('category', 'Status', [
		['all', 'Every request'],
		['unavailable', 'Unavailable (not available yet)'],
		['pending', 'Pending approval'],
		['processing', 'Approved, not available yet'],
		['stuck', 'Stuck'],
		['failed', 'Failed'],
		['gone', 'Gone (deleted or blocklisted)'],
		['future_dates', 'Dated in the future']
	]),
	columns: [
		{
			label: 'Type',
			value: (r) => (r.media_type === 'tv' ? 'TV' : 'Movie') + (r.is_4k ? ' · 4K' : '')
		},
		{
			label: 'Requested by',
			sort: 'requested_by',
			first: 'asc',
			value: (r) => r.requested_by ?? '—'
		},
		{
			label: 'Requested',
			sort: 'age',
			first: 'asc',
			value: (r) =>
				r.requested_at === null
					? '—'
					: r.age_days === null
						? `${shortDate(r.requested_at)} (in the future)`
						: `${shortDate(r.requested_at)} (${count(r.age_days)} d)`
		},
		{ label: 'Status', value: requestStatus }
	],
	linkOf: (r, base) =>
		r.tmdb_id
			? `${base.replace(/\/+$/, '')}/${r.media_type === 'tv' ? 'tv' : 'movie'}/${r.tmdb_id}`
			: null
};

const recent: TableDef<RecentRow> = {
	slug: 'recently-available',
	sorts: [],
	sort: '',
	order: 'desc',
	library: false,
	...filter('dates', 'Dates', [
		['recent', 'Recently available'],
		['future', 'Dated in the future']
	]),
	columns: [
		{ label: 'Type', value: (r) => sentence(r.kind) },
		{ label: 'From', value: (r) => (r.source === 'request' ? 'Jellyseerr request' : 'Library') },
		{
			label: 'Available',
			value: (r) => `${shortDate(r.available_at)}${r.future_date ? ' (in the future)' : ''}`
		},
		{ label: 'Requested by', value: (r) => r.requested_by ?? '—' }
	]
};

export const TABLES: Record<TableSlug, TableDef> = {
	large,
	stale,
	languages,
	requests,
	'recently-available': recent
};

/** Duplicates: groups in a fixed order (artist, album, title), filtered like the others. */
export const DUPLICATES: StateSpec = {
	sorts: [],
	sort: '',
	order: 'asc',
	library: true,
	libraryKinds: ['music'],
	keep: ['artist', 'album']
};

/** One album of the album view, as the track view's URL names it (`artist`, `album`; '' unknown). */
export interface AlbumFilter {
	artist: string;
	album: string;
}

/** The album a track view's URL narrows it to, or null (the album is what says so). */
export function albumFilter(params: URLSearchParams): AlbumFilter | null {
	const album = params.get('album');
	if (album === null) return null;
	return { artist: (params.get('artist') ?? '').slice(0, 500), album: album.slice(0, 500) };
}

/** The track view of one album of the album view (on its server). */
export function albumTracksHref(a: {
	connection_id: string;
	artist?: string | null;
	album?: string | null;
}): string {
	const qs = new URLSearchParams({
		server: a.connection_id,
		artist: a.artist ?? '',
		album: a.album ?? ''
	});
	return `/reports/duplicates?${qs}`;
}
/** The album view of duplicates: albums by how many of their tracks are held twice. */
export const DUPLICATE_ALBUMS: StateSpec = {
	sorts: ['groups', 'album'],
	sort: 'groups',
	order: 'desc',
	library: true,
	libraryKinds: ['music']
};
