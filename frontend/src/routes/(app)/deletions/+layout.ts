import { api } from '$lib/api';
import { attempt } from '$lib/api/attempt';
import { signedOut } from '$lib/reports/api';
import type { LayoutLoad } from './$types';

/**
 * What every deletions page shows around its list: each server's state (dry-run, live, frozen),
 * the settings (kill switches, delay) and the libraries (names, delays). Reloaded with
 * `invalidate('deletions:servers')` after a change of mode or settings, and after a sync.
 */
export const load: LayoutLoad = async ({ depends }) => {
	depends('deletions:servers');
	if (await signedOut()) return { servers: null, settings: null, libraries: [] };
	const [servers, settings, libraries] = await Promise.all([
		attempt(() => api.GET('/api/v1/deletions/servers')),
		attempt(() => api.GET('/api/v1/deletions/settings')),
		attempt(() => api.GET('/api/v1/libraries'))
	]);
	return {
		servers,
		settings: settings.ok ? settings.value : null,
		libraries: libraries.ok ? libraries.value : []
	};
};
