import { fetchDuplicateAlbums, signedOut } from '$lib/reports/api';
import { apiQuery, readState } from '$lib/reports/query';
import { DUPLICATE_ALBUMS } from '$lib/reports/tables';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, depends }) => {
	depends('reports:data');
	const out = await signedOut();
	const state = readState(url.searchParams, DUPLICATE_ALBUMS);
	return {
		state,
		result: out ?? (await fetchDuplicateAlbums(apiQuery(state, DUPLICATE_ALBUMS)))
	};
};
