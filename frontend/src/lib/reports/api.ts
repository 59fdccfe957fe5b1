/** Report requests through the typed client (Bearer token and refresh-on-401 included). */
import { api, parseApiError } from '$lib/api';
import { attempt, type Attempt } from '$lib/api/attempt';
import { auth } from '$lib/auth';
import type { paths } from '$lib/api/schema';
import type { DuplicateAlbum, DuplicateGroup, Freshness } from '$lib/api/types';
import type { ReportSlug } from './catalog';
import type { ApiQuery } from './query';
import { csvFilename } from './query';
import { saveBlob } from '$lib/download';
import type { BaseRow, TableSlug } from './tables';

export interface Page<T> extends Freshness {
	items: T[];
	total: number;
	page: number;
	page_size: number;
}

/**
 * Wait for the session; signed out, a report load asks nothing of the API (the app layout is
 * already redirecting to the login page, and a 401 here would start a second redirect).
 */
export async function signedOut(): Promise<Attempt<never> | null> {
	await auth.init();
	return auth.authenticated ? null : { ok: false, error: parseApiError(401, undefined) };
}

type ExportQuery = NonNullable<
	paths['/api/v1/reports/{report}/export.csv']['get']['parameters']['query']
>;

/** The API's own query type: `readState` only lets known issue/category/dates/evidence/show values through. */
function typed(q: ApiQuery) {
	return {
		...q,
		issue: q.issue as ExportQuery['issue'],
		category: q.category as ExportQuery['category'],
		dates: q.dates as ExportQuery['dates'],
		evidence: q.evidence as ExportQuery['evidence'],
		show: q.show as ExportQuery['show']
	};
}

export function fetchRows(slug: TableSlug, q: ApiQuery): Promise<Attempt<Page<BaseRow>>> {
	const query = typed(q);
	switch (slug) {
		case 'large':
			return attempt(() => api.GET('/api/v1/reports/large', { params: { query } }));
		case 'stale':
			return attempt(() => api.GET('/api/v1/reports/stale', { params: { query } }));
		case 'languages':
			return attempt(() => api.GET('/api/v1/reports/languages', { params: { query } }));
		case 'requests':
			return attempt(() => api.GET('/api/v1/reports/requests', { params: { query } }));
		case 'recently-available':
			return attempt(() => api.GET('/api/v1/reports/recently-available', { params: { query } }));
	}
}

export function fetchDuplicates(
	q: ApiQuery,
	album: { artist: string; album: string } | null = null
): Promise<Attempt<Page<DuplicateGroup>>> {
	return attempt(() =>
		api.GET('/api/v1/reports/duplicates', { params: { query: { ...typed(q), ...album } } })
	);
}

export function fetchDuplicateAlbums(q: ApiQuery): Promise<Attempt<Page<DuplicateAlbum>>> {
	return attempt(() =>
		api.GET('/api/v1/reports/duplicates/albums', { params: { query: typed(q) } })
	);
}

/**
 * Download the filtered rows as CSV. A plain link cannot carry the Bearer token, so the file is
 * fetched through the client and handed to the browser as a blob.
 */
export async function downloadCsv(slug: ReportSlug, q: ApiQuery): Promise<Attempt<string>> {
	const res = await attempt(() =>
		api.GET('/api/v1/reports/{report}/export.csv', {
			params: { path: { report: slug }, query: typed(q) },
			parseAs: 'blob'
		})
	);
	if (!res.ok) return res;
	const name = csvFilename(slug);
	saveBlob(res.value, name);
	return { ok: true, value: name };
}
