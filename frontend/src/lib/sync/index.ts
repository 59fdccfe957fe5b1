import { api } from '$lib/api';
import { SyncStore } from './store.svelte';

/** The app-wide sync state (the top bar's Refresh button, the Libraries page). */
export const sync = new SyncStore(api);

export { SyncStore } from './store.svelte';
export * from './progress';
