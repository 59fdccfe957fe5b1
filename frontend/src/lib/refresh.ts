import { invalidate } from '$app/navigation';
import { navigating } from '$app/state';

/**
 * Load a page's data again (SvelteKit's `invalidate`), but never in the middle of a navigation:
 * SvelteKit lets an invalidation take over from a navigation under way, so a reload started by a
 * timer or a finished sync would cancel what the person just did (a search typed, a filter chosen,
 * the next page), and the page would show the old state. It waits for the navigation to end first.
 */
export async function refresh(key: string, busy: () => boolean = () => navigating.to !== null) {
	while (busy()) await new Promise((resolve) => setTimeout(resolve, 50));
	await invalidate(key);
}
