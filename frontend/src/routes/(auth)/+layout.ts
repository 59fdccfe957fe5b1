import { redirect } from '@sveltejs/kit';
import { auth } from '$lib/auth';
import { safeNext } from '$lib/nav';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ url }) => {
	await auth.init();
	const next = url.searchParams.get('next');
	// Already signed in (e.g. restored from the refresh cookie): skip the form.
	if (auth.authenticated) redirect(307, safeNext(next));
	return { next };
};
