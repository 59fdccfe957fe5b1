import { error, redirect } from '@sveltejs/kit';
import { api, toApiError } from '$lib/api';
import { loginRedirect } from '$lib/nav';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, parent }) => {
	// After the layout's session check: a signed-out visit then redirects with ?next= intact.
	await parent();
	const [res, thresholds] = await Promise.all([
		api.GET('/api/v1/account'),
		api.GET('/api/v1/settings/reports')
	]);
	if (!res.data) {
		// 401 here means the refresh + retry failed too (the client already tried).
		if (res.response.status === 401) redirect(307, loginRedirect(url));
		const err = toApiError(res.error, res.response);
		error(err.status || 503, err.detail);
	}
	if (!thresholds.data) {
		const err = toApiError(thresholds.error, thresholds.response);
		error(err.status || 503, err.detail);
	}
	return { account: res.data, thresholds: thresholds.data };
};
