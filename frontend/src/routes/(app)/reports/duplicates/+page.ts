import { auth } from '$lib/auth';
import { fetchDuplicates } from '$lib/reports/api';
import { apiQuery, readState } from '$lib/reports/query';
import { DUPLICATES } from '$lib/reports/tables';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, depends }) => {
	depends('reports:data');
	await auth.init();
	const state = readState(url.searchParams, DUPLICATES);
	return { state, result: await fetchDuplicates(apiQuery(state, DUPLICATES)) };
};
