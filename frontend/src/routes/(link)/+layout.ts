import { auth } from '$lib/auth';
import type { LayoutLoad } from './$types';

/**
 * The pages a mailed link opens (confirm an address, undo a change of e-mail): signed in or not, the
 * link is the proof, so unlike the sign-in pages they never send a signed-in person elsewhere.
 */
export const load: LayoutLoad = async () => {
	await auth.init();
	return {};
};
