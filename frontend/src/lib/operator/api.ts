/** The operator console's API calls, through the typed client. */
import { api } from '$lib/api';
import { attempt, type Attempt } from '$lib/api/attempt';
import type { components } from '$lib/api/schema';
import { fetchDownload } from '$lib/download';
import { AUDIT_PAGE_SIZE, type ConsoleState } from './query';

type Schemas = components['schemas'];
export type Tenant = Schemas['TenantOut'];
export type KillSwitch = Schemas['KillSwitchOut'];

export function fetchTenants(state: ConsoleState): Promise<Attempt<Schemas['TenantPage']>> {
	const query = { page: state.page, page_size: state.size, ...(state.q ? { q: state.q } : {}) };
	return attempt(() => api.GET('/api/v1/operator/tenants', { params: { query } }));
}

export function fetchAudit(page: number): Promise<Attempt<Schemas['OperatorAuditPage']>> {
	return attempt(() =>
		api.GET('/api/v1/operator/audit', { params: { query: { page, page_size: AUDIT_PAGE_SIZE } } })
	);
}

export function fetchKillSwitch(): Promise<Attempt<KillSwitch>> {
	return attempt(() => api.GET('/api/v1/operator/deletions-switch'));
}

export function fetchQueue(): Promise<Attempt<Schemas['QueueDepthOut']>> {
	return attempt(() => api.GET('/api/v1/operator/queue'));
}

export function fetchFailingSyncs(): Promise<Attempt<Schemas['FailingSyncOut'][]>> {
	return attempt(() => api.GET('/api/v1/operator/failing-syncs'));
}

export function setTenantDisabled(
	id: string,
	disabled: boolean,
	note: string | null
): Promise<Attempt<Tenant>> {
	const path = disabled
		? '/api/v1/operator/tenants/{account_id}/disable'
		: '/api/v1/operator/tenants/{account_id}/enable';
	return attempt(() => api.POST(path, { params: { path: { account_id: id } }, body: { note } }));
}

/** Mail an account the link that confirms its e-mail address again. */
export function sendVerification(id: string): Promise<Attempt<Tenant>> {
	return attempt(() =>
		api.POST('/api/v1/operator/tenants/{account_id}/verification', {
			params: { path: { account_id: id } }
		})
	);
}

export function setKillSwitch(
	disabled: boolean,
	note: string | null
): Promise<Attempt<KillSwitch>> {
	return attempt(() => api.PUT('/api/v1/operator/deletions-switch', { body: { disabled, note } }));
}

export function downloadUsageCsv(): Promise<Attempt<string>> {
	return fetchDownload(
		() => api.GET('/api/v1/operator/usage.csv', { parseAs: 'blob' }),
		'media-janitor-usage.csv'
	);
}

export function downloadTenantExport(id: string): Promise<Attempt<string>> {
	return fetchDownload(
		() =>
			api.GET('/api/v1/operator/tenants/{account_id}/export', {
				params: { path: { account_id: id } },
				parseAs: 'blob'
			}),
		'media-janitor-export.json'
	);
}
