/**
 * Bulk actions on "all N matching this filter": the filters the API resolves the rows by (when the
 * action runs, by the report's own query), and the limits it keeps.
 */
import type { ReportFilter } from '$lib/api/types';
import type { StateSpec, TableState } from './query';

/** At most this many rows are queued for deletion at once (`POST /deletions/queue…`). */
export const MAX_QUEUE = 100;
/** At most this many rows are added to a list at once (`POST /allowlists`, `…/allowlist`). */
export const MAX_ALLOWLIST = 1000;

/** The report's filters for "all matching" (search, server, library, its own): no page, no sort. */
export function matchingFilter(state: TableState, spec: StateSpec): ReportFilter {
	const out: ReportFilter = {};
	if (state.q) out.q = state.q;
	if (state.connection) out.connection_id = state.connection;
	if (spec.library && state.library) out.library_id = state.library;
	const param = spec.filter?.param;
	if (param === 'show') out.show = state.filter as ReportFilter['show'];
	if (param === 'evidence') out.evidence = state.filter as ReportFilter['evidence'];
	if (param === 'issue') out.issue = state.filter as ReportFilter['issue'];
	return out;
}

/** "1 item", "1,234 items". */
export function items(n: number): string {
	return n === 1 ? '1 item' : `${n.toLocaleString('en')} items`;
}

/** Why "all matching" cannot be acted on at once, or null when it can. */
export function overLimit(total: number, limit: number, verb: string): string | null {
	if (total <= limit) return null;
	return `${items(total)} match this filter; at most ${limit.toLocaleString('en')} can be ${verb} at once. Narrow the filter (search, server, library) and try again.`;
}
