/**
 * A report table's state (page, sort, search, filters) and its two encodings: the page's URL query
 * (so reload, back and shared links keep it) and the API's query parameters. Pure functions only.
 */

export type SortOrder = 'asc' | 'desc';

/** The query parameter of a report's own filter. */
export type FilterParam = 'issue' | 'category' | 'evidence' | 'dates' | 'kind' | 'show';

export interface TableState {
	page: number;
	pageSize: number;
	/** '' when the report has no sortable columns. */
	sort: string;
	order: SortOrder;
	q: string;
	/** A connection id, or ''. */
	connection: string;
	/** A library id, or ''. */
	library: string;
	/** The report's own filter (`issue`, `category`, `evidence`, `dates`, `kind`, `show`), or '' when it has none. */
	filter: string;
}

/** What a report accepts and where it starts. */
export interface StateSpec {
	/** Sort keys the API knows for this report, in column order ([] = fixed order). */
	sorts: readonly string[];
	sort: string;
	order: SortOrder;
	/** The report's own filter: its query parameter, its values, and the default (first). */
	filter?: { param: FilterParam; values: readonly string[] };
	/** Whether the API filters this report by library. */
	library: boolean;
	/** The kinds of library the report reads (the library filter offers only those); all when absent. */
	libraryKinds?: readonly LibraryKind[];
	/** URL parameters of a narrower view (duplicates: one album) that a change of the table keeps. */
	keep?: readonly string[];
}

/** A library's kind, as the API says it ("other": a kind the sync does not read, such as photos). */
export type LibraryKind = 'movie' | 'show' | 'music' | 'other';

/** The libraries a report's filter offers: of the chosen server (if any) and of the kinds the report
 * reads, by title. */
export function libraryChoices<
	L extends { connection_id: string; kind: LibraryKind; title: string }
>(libraries: readonly L[], spec: StateSpec, connection: string): L[] {
	return libraries
		.filter((l) => !connection || l.connection_id === connection)
		.filter((l) => !spec.libraryKinds || spec.libraryKinds.includes(l.kind))
		.sort((a, b) => a.title.localeCompare(b.title));
}

export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE = 100_000;
const MAX_Q = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function defaultState(spec: StateSpec): TableState {
	return {
		page: 1,
		pageSize: DEFAULT_PAGE_SIZE,
		sort: spec.sort,
		order: spec.order,
		q: '',
		connection: '',
		library: '',
		filter: spec.filter?.values[0] ?? ''
	};
}

/** Read the state from a URL query; anything unknown or malformed falls back to the default. */
export function readState(params: URLSearchParams, spec: StateSpec): TableState {
	const d = defaultState(spec);
	const page = Number(params.get('page'));
	const size = Number(params.get('size'));
	const sort = params.get('sort') ?? '';
	const order = params.get('order');
	const sorted = spec.sorts.includes(sort);
	const id = (key: string) => {
		const v = params.get(key) ?? '';
		return UUID.test(v) ? v.toLowerCase() : '';
	};
	const filter = spec.filter ? (params.get(spec.filter.param) ?? '') : '';
	return {
		page: Number.isInteger(page) && page >= 1 && page <= MAX_PAGE ? page : 1,
		pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? size : d.pageSize,
		sort: sorted ? sort : d.sort,
		order: sorted && (order === 'asc' || order === 'desc') ? order : d.order,
		q: (params.get('q') ?? '').trim().slice(0, MAX_Q),
		connection: id('server'),
		library: spec.library ? id('library') : '',
		filter: spec.filter?.values.includes(filter) ? filter : d.filter
	};
}

/** The URL query for a state ('' for the defaults); defaults are left out so links stay short. */
export function writeState(state: TableState, spec: StateSpec): string {
	const d = defaultState(spec);
	const out = new URLSearchParams();
	if (state.q) out.set('q', state.q);
	if (state.connection) out.set('server', state.connection);
	if (spec.library && state.library) out.set('library', state.library);
	if (spec.filter && state.filter !== d.filter) out.set(spec.filter.param, state.filter);
	if (state.sort !== d.sort || state.order !== d.order) {
		out.set('sort', state.sort);
		out.set('order', state.order);
	}
	if (state.pageSize !== d.pageSize) out.set('size', String(state.pageSize));
	if (state.page > 1) out.set('page', String(state.page));
	return out.toString();
}

export interface ApiQuery {
	page: number;
	page_size: number;
	sort?: string;
	order: SortOrder;
	q?: string;
	connection_id?: string;
	library_id?: string;
	issue?: string;
	category?: string;
	evidence?: string;
	dates?: string;
	kind?: string;
	show?: string;
}

/** The report endpoint's (and its CSV export's) query parameters for a state. */
export function apiQuery(state: TableState, spec: StateSpec): ApiQuery {
	const query: ApiQuery = { page: state.page, page_size: state.pageSize, order: state.order };
	if (state.sort) query.sort = state.sort;
	if (state.q) query.q = state.q;
	if (state.connection) query.connection_id = state.connection;
	if (spec.library && state.library) query.library_id = state.library;
	if (spec.filter && state.filter) query[spec.filter.param] = state.filter;
	return query;
}

/** A change of filters, search or sort starts again at page 1; a page change keeps the rest. */
export function change(state: TableState, patch: Partial<TableState>): TableState {
	return { ...state, page: 1, ...patch };
}

/**
 * Click on a column header: the same column flips its order; another column starts with its natural
 * order (`first`: titles A→Z, sizes and dates largest/newest first).
 */
export function toggleSort(state: TableState, key: string, first: SortOrder): TableState {
	if (state.sort === key) return change(state, { order: state.order === 'asc' ? 'desc' : 'asc' });
	return change(state, { sort: key, order: first });
}

export function ariaSort(state: TableState, key: string): 'ascending' | 'descending' | 'none' {
	if (state.sort !== key) return 'none';
	return state.order === 'asc' ? 'ascending' : 'descending';
}

/** True when search or a filter narrows the report (so an empty result is the filters' doing). */
export function isFiltered(state: TableState, spec: StateSpec): boolean {
	return Boolean(
		state.q || state.connection || state.library || state.filter !== defaultState(spec).filter
	);
}

export function pageCount(total: number, pageSize: number): number {
	return Math.max(1, Math.ceil(total / pageSize));
}

/** `media-janitor-stale-2026-11-22.csv`, dated in local time (when the person downloaded it). */
export function csvFilename(report: string, now: Date = new Date()): string {
	const pad = (n: number) => String(n).padStart(2, '0');
	const day = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
	return `media-janitor-${report}-${day}.csv`;
}
