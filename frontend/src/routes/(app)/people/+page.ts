import { api } from '$lib/api';
import { attempt } from '$lib/api/attempt';
import { signedOut } from '$lib/reports/api';
import type { PageLoad } from './$types';

/** Everyone, the suggested links, and what the empty state needs (connections, sync runs). */
export const load: PageLoad = async ({ depends }) => {
	depends('people:data');
	const out = await signedOut();
	if (out) return { people: out, suggestions: [], connections: null, runs: null };
	const [people, suggestions, connections, runs] = await Promise.all([
		attempt(() => api.GET('/api/v1/people')),
		attempt(() => api.GET('/api/v1/people/suggestions')),
		attempt(() => api.GET('/api/v1/connections')),
		attempt(() => api.GET('/api/v1/sync/runs'))
	]);
	return {
		people,
		// Suggestions are a help: the page works without them.
		suggestions: suggestions.ok ? suggestions.value : [],
		connections: connections.ok ? connections.value : null,
		runs: runs.ok ? runs.value : null
	};
};
