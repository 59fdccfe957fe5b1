import { api } from '$lib/api';
import { SetupStore } from './store.svelte';

/** The app-wide setup checklist state (sidebar, dashboard, Get started page). */
export const setup = new SetupStore(api);

export { SetupStore } from './store.svelte';
export * from './checklist';
