import { goto } from '$app/navigation';
import { api } from '$lib/api';
import { auth } from '$lib/auth';

/** End this sign-in on the server (revokes the refresh cookie), then forget the token. */
export async function logout(): Promise<void> {
	try {
		await api.POST('/api/v1/auth/logout');
	} catch {
		// Offline: still forget the session locally.
	}
	auth.clear();
	await goto('/login', { replaceState: true });
}
