import { goto } from '$app/navigation';
import { page } from '$app/state';
import { writeState, type StateSpec, type TableState } from './query';

/**
 * Put a table state in the URL; the page's load function reruns and fetches it. Search keystrokes
 * replace the history entry, other changes push one, so Back undoes a sort or a page change.
 */
export function navigate(state: TableState, spec: StateSpec, replace = false): Promise<void> {
	const qs = writeState(state, spec);
	return goto(qs ? `?${qs}` : page.url.pathname, {
		keepFocus: true,
		noScroll: true,
		replaceState: replace
	});
}
