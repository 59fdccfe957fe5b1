/**
 * The state of the queue, history and audit-log lists (page, size, search and filters), kept in the
 * page's URL so reload, Back and shared links keep it, and their API query parameters.
 * Pure functions only.
 */
import type { AuditEvent, DeletionReason } from '$lib/api/types';
import { PAGE_SIZES, DEFAULT_PAGE_SIZE } from '$lib/reports/query';

export { PAGE_SIZES };

export type Filter = 'status' | 'reason' | 'event' | 'period';

/** A filter's picker: its label, the state field it sets, and its options ([value, text]). */
export interface SelectDef {
	label: string;
	key: 'server' | Filter;
	options: readonly (readonly [string, string])[];
}

/** The server filter, when there is more than one server to choose from. */
export function serverSelect(servers: { connection_id: string; name: string }[]): SelectDef[] {
	if (servers.length < 2) return [];
	return [
		{
			label: 'Server',
			key: 'server',
			options: [['', 'All servers'], ...servers.map((s) => [s.connection_id, s.name] as const)]
		}
	];
}

export interface ListState {
	page: number;
	pageSize: number;
	q: string;
	/** A connection id, or ''. */
	server: string;
	/** Each filter's value; '' = all. */
	status: string;
	reason: string;
	event: string;
	period: string;
}

/** The filters a list offers and their values (anything else in a URL is ignored). */
export type ListSpec = Partial<Record<Filter, readonly string[]>>;

export const QUEUE_STATUSES = ['scheduled', 'executing', 'unknown'] as const;
export const HISTORY_STATUSES = ['deleted', 'dry_run', 'failed', 'cancelled'] as const;
export const REASONS: readonly DeletionReason[] = [
	'watched',
	'duplicate',
	'stale',
	'large',
	'language'
];
// A record of every audit event: one the API's schema adds and this list lacks fails the type check.
const EVENT_SET: Record<AuditEvent, true> = {
	queued: true,
	skipped: true,
	postponed: true,
	run_now: true,
	cancelled: true,
	dry_run: true,
	executed: true,
	verified: true,
	failed: true,
	unknown: true,
	went_live: true,
	went_dry_run: true,
	vanish_confirmed: true,
	vanish_dismissed: true
};
export const EVENTS = Object.keys(EVENT_SET) as AuditEvent[];
export const PERIODS = [
	{ value: '24h', label: 'Last 24 hours', hours: 24 },
	{ value: '7d', label: 'Last 7 days', hours: 24 * 7 },
	{ value: '30d', label: 'Last 30 days', hours: 24 * 30 },
	{ value: '90d', label: 'Last 90 days', hours: 24 * 90 },
	{ value: '365d', label: 'Last 12 months', hours: 24 * 365 }
] as const;

/** The period picker's options ('' = all time). */
export const PERIOD_OPTIONS: readonly (readonly [string, string])[] = [
	['', 'All time'],
	...PERIODS.map((p) => [p.value, p.label] as const)
];

export const QUEUE: ListSpec = { status: QUEUE_STATUSES, reason: REASONS };
export const HISTORY: ListSpec = {
	status: HISTORY_STATUSES,
	period: PERIODS.map((p) => p.value)
};
export const AUDIT: ListSpec = { event: EVENTS, period: PERIODS.map((p) => p.value) };

const MAX_PAGE = 100_000;
const MAX_Q = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FILTERS: readonly Filter[] = ['status', 'reason', 'event', 'period'];

export function emptyState(): ListState {
	return {
		page: 1,
		pageSize: DEFAULT_PAGE_SIZE,
		q: '',
		server: '',
		status: '',
		reason: '',
		event: '',
		period: ''
	};
}

/** Read a list's state from a URL query; anything unknown or malformed falls back to the default. */
export function readList(params: URLSearchParams, spec: ListSpec): ListState {
	const state = emptyState();
	const page = Number(params.get('page'));
	const size = Number(params.get('size'));
	if (Number.isInteger(page) && page >= 1 && page <= MAX_PAGE) state.page = page;
	if ((PAGE_SIZES as readonly number[]).includes(size)) state.pageSize = size;
	state.q = (params.get('q') ?? '').trim().slice(0, MAX_Q);
	const server = params.get('server') ?? '';
	state.server = UUID.test(server) ? server.toLowerCase() : '';
	for (const f of FILTERS) {
		const value = params.get(f) ?? '';
		if (spec[f]?.includes(value)) state[f] = value;
	}
	return state;
}

/** The URL query of a state ('' for the defaults); defaults are left out so links stay short. */
export function writeList(state: ListState, spec: ListSpec): string {
	const out = new URLSearchParams();
	if (state.q) out.set('q', state.q);
	if (state.server) out.set('server', state.server);
	for (const f of FILTERS) if (spec[f] && state[f]) out.set(f, state[f]);
	if (state.pageSize !== DEFAULT_PAGE_SIZE) out.set('size', String(state.pageSize));
	if (state.page > 1) out.set('page', String(state.page));
	return out.toString();
}

/** A change of search or filters starts again at page 1; a page change keeps the rest. */
export function changeList(state: ListState, patch: Partial<ListState>): ListState {
	return { ...state, page: 1, ...patch };
}

export function isFiltered(state: ListState): boolean {
	return Boolean(
		state.q || state.server || state.status || state.reason || state.event || state.period
	);
}

/** The start of a period ("7d" → seven days before `now`), as the API's `since`. */
export function since(period: string, now: number = Date.now()): string | undefined {
	const p = PERIODS.find((x) => x.value === period);
	return p ? new Date(now - p.hours * 3600_000).toISOString() : undefined;
}

interface Common {
	page: number;
	page_size: number;
	q?: string;
	connection_id?: string;
}

function common(state: ListState): Common {
	const query: Common = { page: state.page, page_size: state.pageSize };
	if (state.q) query.q = state.q;
	if (state.server) query.connection_id = state.server;
	return query;
}

export function queueQuery(state: ListState) {
	return {
		...common(state),
		status: (state.status || undefined) as (typeof QUEUE_STATUSES)[number] | undefined,
		reason: (state.reason || undefined) as DeletionReason | undefined
	};
}

export function historyQuery(state: ListState, now: number = Date.now()) {
	return {
		...common(state),
		status: (state.status || undefined) as (typeof HISTORY_STATUSES)[number] | undefined,
		since: since(state.period, now)
	};
}

/** The audit log's (and its CSV export's) query: the export takes every filter but the paging. */
export function auditQuery(state: ListState, now: number = Date.now()) {
	return {
		...common(state),
		event: (state.event || undefined) as AuditEvent | undefined,
		since: since(state.period, now)
	};
}

export function auditExportQuery(state: ListState, now: number = Date.now()) {
	const { q, connection_id, event, since: from } = auditQuery(state, now);
	return { q, connection_id, event, since: from };
}
