import { AuthStore } from './session.svelte';

/** The app-wide session. */
export const auth = new AuthStore();
