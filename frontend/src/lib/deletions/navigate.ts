import { goQuery } from '$lib/reports/navigate';
import { writeList, type ListSpec, type ListState } from './query';

/** Put a deletions list's state in the URL (reload, Back and shared links keep it). */
export function navigateList(state: ListState, spec: ListSpec, replace = false): Promise<void> {
	return goQuery(writeList(state, spec), replace);
}
