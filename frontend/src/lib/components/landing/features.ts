import type { Component } from 'svelte';
import ClipboardList from '@lucide/svelte/icons/clipboard-list';
import Languages from '@lucide/svelte/icons/languages';
import Plug from '@lucide/svelte/icons/plug';
import ShieldCheck from '@lucide/svelte/icons/shield-check';
import Users from '@lucide/svelte/icons/users';
import Copy from '@lucide/svelte/icons/copy';

export interface Feature {
	title: string;
	text: string;
	icon: Component<{ class?: string; 'aria-hidden'?: 'true' }>;
}

/** What the product does, in the words of the landing page and the sign-in pages. */
export const FEATURES: Feature[] = [
	{
		title: 'See what can go',
		text: 'Movies and shows nobody watched in months, oversized files, and how much space each cleanup frees.',
		icon: ClipboardList
	},
	{
		title: 'Duplicates, exactly',
		text: 'Copies of the same title or track, with the copy to keep proposed and why.',
		icon: Copy
	},
	{
		title: 'Languages you choose',
		text: 'Files missing the audio or subtitle languages your household needs.',
		icon: Languages
	},
	{
		title: 'Ask your people',
		text: 'Delete a title only once everyone it is for has watched it; unknown never deletes.',
		icon: Users
	},
	{
		title: 'Deletes safely',
		text: 'Dry-run first, allowlists, a delay and caps, files checked again at the last moment, and an audit log.',
		icon: ShieldCheck
	},
	{
		title: 'Plex, Jellyfin, Jellyseerr',
		text: 'Sign in with Plex or give a URL and a key; requests that are stuck or gone show up too.',
		icon: Plug
	}
];
