/**
 * Asks before a form's unsaved changes are lost: a link or Back inside the app asks with the
 * browser's confirm dialog; a reload, a closed tab or another site gets the browser's own
 * "Leave site?" prompt (SvelteKit's `beforeunload`, from `cancel()` on a `leave` navigation).
 */
import { onDestroy } from 'svelte';
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

// The forms on the page now, each saying whether it has unsaved changes.
const forms = new Set<() => boolean>();

/** Count a form in while it is on the page; the returned function counts it out. */
export function register(dirty: () => boolean): () => void {
	forms.add(dirty);
	return () => forms.delete(dirty);
}

/**
 * Before something that leaves the page without a navigation first (logging out ends the session,
 * then leaves): true when nothing is unsaved or the person says to go on.
 */
export function confirmLeaving(ask: (question: string) => boolean = (q) => window.confirm(q)) {
	return ![...forms].some((dirty) => dirty()) || ask(LEAVE_QUESTION);
}

/** Call while a component starts: guards it for as long as it is on the page. */
export function guardUnsaved(dirty: () => boolean): void {
	onDestroy(register(dirty));
	beforeNavigate((nav) => {
		// Signed out (log out, an ended session): nothing could be saved any more.
		if (auth.status === 'anonymous') return;
		decide(nav, dirty(), (question) => window.confirm(question));
	});
}
