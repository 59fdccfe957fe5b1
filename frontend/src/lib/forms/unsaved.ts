/**
 * Asks before a form's unsaved changes are lost: a link or Back inside the app asks with the
 * browser's confirm dialog; a reload, a closed tab or another site gets the browser's own
 * "Leave site?" prompt (SvelteKit's `beforeunload`, from `cancel()` on a `leave` navigation).
 */
import { beforeNavigate } from '$app/navigation';
import type { BeforeNavigate } from '@sveltejs/kit';
import { auth } from '$lib/auth';

export const LEAVE_QUESTION = 'You have unsaved changes. Leave this page and lose them?';

/** Whether the navigation goes ahead: true when nothing is lost or the person says so. */
export function decide(
	nav: Pick<BeforeNavigate, 'type' | 'cancel'>,
	dirty: boolean,
	ask: (question: string) => boolean
): boolean {
	if (!dirty) return true;
	if (nav.type === 'leave') {
		nav.cancel(); // the browser asks, in its own words
		return false;
	}
	if (ask(LEAVE_QUESTION)) return true;
	nav.cancel();
	return false;
}

/** Call while a component starts: guards it for as long as it is on the page. */
export function guardUnsaved(dirty: () => boolean): void {
	beforeNavigate((nav) => {
		// Signed out (log out, an ended session): nothing could be saved any more.
		if (auth.status === 'anonymous') return;
		decide(nav, dirty(), (question) => window.confirm(question));
	});
}
