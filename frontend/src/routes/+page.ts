import { redirect } from '@sveltejs/kit';
import { auth } from '$lib/auth';
import { HOME } from '$lib/nav';
import type { PageLoad } from './$types';

export const load: PageLoad = async () => {
	await auth.init();
	// Signed in: straight into the app. Signed out: the landing page.
	if (auth.authenticated) redirect(307, HOME);
	return {};
};
