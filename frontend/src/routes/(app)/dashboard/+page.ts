import { api } from '$lib/api';
import type { PageLoad } from './$types';

export const load: PageLoad = async () => {
	try {
		// 200 = ready, 503 = not ready; both carry a Readiness body.
		const { data, error } = await api.GET('/api/readyz');
		return { readiness: data ?? error ?? null };
	} catch {
		return { readiness: null };
	}
};
