/** Deletion lists through the typed client (Bearer token and refresh-on-401 included). */
import { api } from '$lib/api';
import { attempt, type Attempt } from '$lib/api/attempt';
import type { components } from '$lib/api/schema';
import { fetchDownload } from '$lib/download';
import { auditExportQuery, auditQuery, historyQuery, queueQuery, type ListState } from './query';

type Schemas = components['schemas'];

export function fetchQueue(state: ListState): Promise<Attempt<Schemas['QueuePage']>> {
	return attempt(() =>
		api.GET('/api/v1/deletions/queue', { params: { query: queueQuery(state) } })
	);
}

export function fetchHistory(state: ListState): Promise<Attempt<Schemas['HistoryPage']>> {
	return attempt(() =>
		api.GET('/api/v1/deletions/history', { params: { query: historyQuery(state) } })
	);
}

export function fetchAudit(state: ListState): Promise<Attempt<Schemas['AuditPage']>> {
	return attempt(() =>
		api.GET('/api/v1/deletions/audit', { params: { query: auditQuery(state) } })
	);
}

/**
 * Download the filtered audit log as CSV. A plain link cannot carry the Bearer token, so the file is
 * fetched through the client and handed to the browser as a blob.
 */
export function downloadAuditCsv(state: ListState): Promise<Attempt<string>> {
	return fetchDownload(
		() =>
			api.GET('/api/v1/deletions/audit.csv', {
				params: { query: auditExportQuery(state) },
				parseAs: 'blob'
			}),
		'media-janitor-deletion-audit.csv'
	);
}
