import { fetchRows, signedOut } from '$lib/reports/api';
import { apiQuery, readState } from '$lib/reports/query';
import { TABLES } from '$lib/reports/tables';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, url, depends }) => {
	depends('reports:data');
	const out = await signedOut();
	const def = TABLES[params.report];
	const state = readState(url.searchParams, def);
	return { def, state, result: out ?? (await fetchRows(def.slug, apiQuery(state, def))) };
};
