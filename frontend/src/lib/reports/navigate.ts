import { goto } from '$app/navigation';
import { page } from '$app/state';
import { writeState, type StateSpec, type TableState } from './query';

/**
 * Put a list's URL query in the address bar; the page's load function reruns and fetches it.
 * Search keystrokes replace the history entry, other changes push one, so Back undoes a sort, a
 * filter or a page change.
 */
export function goQuery(qs: string, replace = false): Promise<void> {
	return goto(qs ? `?${qs}` : page.url.pathname, {
		keepFocus: true,
		noScroll: true,
		replaceState: replace
	});
}

/** Put a report table's state in the URL (with the parameters of a narrower view it keeps). */
export function navigate(state: TableState, spec: StateSpec, replace = false): Promise<void> {
	const qs = new URLSearchParams(writeState(state, spec));
	for (const key of spec.keep ?? []) {
		const value = page.url.searchParams.get(key);
		if (value !== null) qs.set(key, value);
	}
	return goQuery(qs.toString(), replace);
}
