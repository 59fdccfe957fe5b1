import { fetchDuplicates, signedOut } from '$lib/reports/api';
import { apiQuery, readState } from '$lib/reports/query';
import { albumFilter, DUPLICATES } from '$lib/reports/tables';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, depends }) => {
	depends('reports:data');
	const out = await signedOut();
	const state = readState(url.searchParams, DUPLICATES);
	const album = albumFilter(url.searchParams);
	return {
		state,
		album,
		result: out ?? (await fetchDuplicates(apiQuery(state, DUPLICATES), album))
	};
};
