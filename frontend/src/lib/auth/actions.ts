import { goto } from '$app/navigation';
import { api } from '$lib/api';
import { auth } from '$lib/auth';
import { confirmLeaving } from '$lib/forms/unsaved';

/**
 * End this sign-in on the server (revokes the refresh cookie), then forget the token. Unsaved
 * changes on the page are asked about first: once signed out they could not be saved.
 */
export async function logout(): Promise<void> {
	if (!confirmLeaving()) return;
	try {
		await api.POST('/api/v1/auth/logout');
	} catch {
		// Offline: still forget the session locally.
	}
	auth.clear();
	await goto('/login', { replaceState: true });
}
