import { redirect } from '@sveltejs/kit';
import { auth } from '$lib/auth';
import { HOME } from '$lib/nav';
import type { PageLoad } from './$types';

export const load: PageLoad = async () => {
	await auth.init();
	redirect(307, auth.authenticated ? HOME : '/login');
};
