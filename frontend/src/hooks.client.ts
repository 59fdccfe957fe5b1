import type { ClientInit } from '@sveltejs/kit';
import { watchSystemTheme } from '$lib/theme.svelte';

export const init: ClientInit = () => {
	// Follow OS light/dark changes from the very start (before the first route has loaded).
	watchSystemTheme();
};
