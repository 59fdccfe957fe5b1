import { fetchDuplicates, signedOut } from '$lib/reports/api';
import { apiQuery, readState } from '$lib/reports/query';
import { DUPLICATES } from '$lib/reports/tables';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, depends }) => {
	depends('reports:data');
	const out = await signedOut();
	const state = readState(url.searchParams, DUPLICATES);
	return { state, result: out ?? (await fetchDuplicates(apiQuery(state, DUPLICATES))) };
};
