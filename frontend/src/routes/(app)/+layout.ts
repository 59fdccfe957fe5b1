import { redirect } from '@sveltejs/kit';
import { auth } from '$lib/auth';
import { loginRedirect } from '$lib/nav';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ url }) => {
	await auth.init();
	// Runs on every navigation inside the app (it reads `url`), so a lost session is caught early.
	if (!auth.authenticated) redirect(307, loginRedirect(url));
	return {};
};
