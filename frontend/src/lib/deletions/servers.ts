/** Servers and their deletion mode, in plain words. Pure functions only (unit-tested). */
import type { ApiError } from '$lib/api/errors';
import type { DeletionServer } from '$lib/api/types';

/** Why leaving dry-run did not happen, as a title and a sentence a person can act on. */
export function liveError(error: ApiError, name: string): { title: string; text: string } {
	if (error.code === 'deletion_caps_changed')
		return {
			title: 'The caps changed meanwhile',
			text: 'They were changed (in the Settings tab or another window) after this dialog opened. The caps shown now are the current ones: read them and confirm again to leave dry-run.'
		};
	if (error.code === 'deletion_not_allowed_by_server')
		return { title: `${name} does not allow deletions`, text: error.detail };
	return { title: 'Still in dry-run', text: error.detail };
}

/** Servers in the order the banners show them: frozen first, then dry-run, then live. */
export function byAttention(servers: DeletionServer[]): DeletionServer[] {
	const rank = (s: DeletionServer) => (s.frozen ? 0 : s.dry_run ? 1 : 2);
	return [...servers].sort((a, b) => rank(a) - rank(b));
}

/** Why a server is frozen, without the banner's own title repeated ("deletions on X are frozen: "). */
export function freezeReason(why: string | null): string {
	const text = (why ?? '').replace(/^deletions on .+? are frozen:\s*/i, '').trim();
	if (!text) return 'The latest full sync found many items gone at once and held them back.';
	const sentence = text.charAt(0).toUpperCase() + text.slice(1);
	return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
