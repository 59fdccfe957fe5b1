import { error } from '@sveltejs/kit';
import { api, toApiError } from '$lib/api';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ depends, parent }) => {
	depends('app:allowlists');
	// After the layout's session check: a signed-out visit then redirects with ?next= intact.
	await parent();
	const [entries, connections] = await Promise.all([
		api.GET('/api/v1/allowlists'),
		api.GET('/api/v1/connections')
	]);
	if (!entries.data) {
		const err = toApiError(entries.error, entries.response);
		error(err.status || 503, err.detail);
	}
	// Server names only label entries matched by server and id; the page works without them.
	return { entries: entries.data, connections: connections.data ?? [] };
};
