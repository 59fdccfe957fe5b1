import { api } from '$lib/api';
import { attempt } from '$lib/api/attempt';
import { signedOut } from '$lib/reports/api';
import type { LayoutLoad } from './$types';

/**
 * What every report page needs besides its rows, loaded once for the whole section: the
 * connections and libraries (filter options, link labels) and the sync runs (why a report is
 * empty). Reloaded with `invalidate('reports:context')` when a sync finishes.
 */
export const load: LayoutLoad = async ({ depends }) => {
	depends('reports:context');
	if (await signedOut()) return { context: { connections: null, libraries: [], runs: null } };
	const [connections, libraries, runs] = await Promise.all([
		attempt(() => api.GET('/api/v1/connections')),
		attempt(() => api.GET('/api/v1/libraries')),
		attempt(() => api.GET('/api/v1/sync/runs'))
	]);
	return {
		context: {
			connections: connections.ok ? connections.value : null,
			libraries: libraries.ok ? libraries.value : [],
			runs: runs.ok ? runs.value : null
		}
	};
};
