import { api } from '$lib/api';
import { attempt } from '$lib/api/attempt';
import { fetchItems, LIBRARY } from '$lib/people/library';
import { signedOut } from '$lib/reports/api';
import { readState } from '$lib/reports/query';
import type { PageLoad } from './$types';

/** The library table (state in the URL) and what its filters and empty states need. */
export const load: PageLoad = async ({ url, depends }) => {
	depends('assignments:data');
	const state = readState(url.searchParams, LIBRARY);
	const out = await signedOut();
	if (out) return { state, result: out, context: { connections: null, libraries: [], runs: null } };
	const [result, connections, libraries, runs] = await Promise.all([
		fetchItems(state),
		attempt(() => api.GET('/api/v1/connections')),
		attempt(() => api.GET('/api/v1/libraries')),
		attempt(() => api.GET('/api/v1/sync/runs'))
	]);
	return {
		state,
		result,
		context: {
			connections: connections.ok ? connections.value : null,
			libraries: libraries.ok ? libraries.value : [],
			runs: runs.ok ? runs.value : null
		}
	};
};
