import {
	fetchAudit,
	fetchFailingSyncs,
	fetchKillSwitch,
	fetchQueue,
	fetchTenants
} from '$lib/operator/api';
import { readConsole } from '$lib/operator/query';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, parent, depends }) => {
	// After the layout's session check: a signed-out visit redirects to the sign-in first.
	await parent();
	depends('operator:data');
	const state = readConsole(url.searchParams);
	const tenants = await fetchTenants(state);
	// The API is the judge of the role (it may have been revoked since this session began): a 403
	// shows the "operators only" page, and nothing else is asked.
	if (!tenants.ok && tenants.error.status === 403) return { forbidden: true as const, state };
	const [killSwitch, queue, failing, audit] = await Promise.all([
		fetchKillSwitch(),
		fetchQueue(),
		fetchFailingSyncs(),
		fetchAudit(state.audit)
	]);
	return { forbidden: false as const, state, tenants, killSwitch, queue, failing, audit };
};
