import { api, toApiError } from '$lib/api';
import { attempt, type Attempt } from '$lib/api/attempt';
import type { DeletionSummary } from '$lib/api/types';
import type { Dashboard } from '$lib/dashboard/shape';
import type { PageLoad } from './$types';

async function readiness() {
	try {
		// 200 = ready, 503 = not ready; both carry a Readiness body.
		const { data, error, response } = await api.GET('/api/readyz');
		if (data) return data;
		return response.status === 503 && error && 'status' in error ? error : null;
	} catch {
		return null;
	}
}

async function summary(): Promise<{ dashboard: Dashboard | null; error: string | null }> {
	try {
		const res = await api.GET('/api/v1/dashboard');
		if (res.data) return { dashboard: res.data, error: null };
		return { dashboard: null, error: toApiError(res.error, res.response).detail };
	} catch {
		return {
			dashboard: null,
			error: 'Cannot reach the server. Check your connection and try again.'
		};
	}
}

/** The deletion figures (bytes freed, due this week, what holds deletions back). */
async function deletions(): Promise<Attempt<DeletionSummary>> {
	return attempt(() => api.GET('/api/v1/deletions/summary'));
}

export const load: PageLoad = async ({ depends, parent }) => {
	depends('app:dashboard');
	// After the layout's session check: a signed-out visit then redirects with ?next= intact.
	await parent();
	// The summary runs every report: stream it, so the page (and navigation) does not wait for it.
	return { readiness: await readiness(), summary: summary(), deletions: deletions() };
};
