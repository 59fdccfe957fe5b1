import { fetchHistory } from '$lib/deletions/api';
import { HISTORY, readList } from '$lib/deletions/query';
import { signedOut } from '$lib/reports/api';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, depends }) => {
	depends('deletions:data');
	const out = await signedOut();
	const state = readList(url.searchParams, HISTORY);
	return { state, result: out ?? (await fetchHistory(state)) };
};
