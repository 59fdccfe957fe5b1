import type { Component } from 'svelte';
import ClipboardList from '@lucide/svelte/icons/clipboard-list';
import Rocket from '@lucide/svelte/icons/rocket';
import ServerCog from '@lucide/svelte/icons/server-cog';
import LayoutDashboard from '@lucide/svelte/icons/layout-dashboard';
import ListChecks from '@lucide/svelte/icons/list-checks';
import LibraryBig from '@lucide/svelte/icons/library-big';
import Plug from '@lucide/svelte/icons/plug';
import Settings from '@lucide/svelte/icons/settings';
import ShieldCheck from '@lucide/svelte/icons/shield-check';
import Trash2 from '@lucide/svelte/icons/trash-2';
import Users from '@lucide/svelte/icons/users';

export interface NavItem {
	href: string;
	label: string;
	icon: Component<{ class?: string; 'aria-hidden'?: 'true' }>;
}

export interface NavGroup {
	label: string;
	items: NavItem[];
}

export const NAV: NavGroup[] = [
	{ label: 'Overview', items: [{ href: '/dashboard', label: 'Dashboard', icon: LayoutDashboard }] },
	{
		label: 'Media',
		items: [
			{ href: '/connections', label: 'Connections', icon: Plug },
			{ href: '/libraries', label: 'Libraries', icon: LibraryBig }
		]
	},
	{
		label: 'Cleanup',
		items: [
			{ href: '/reports', label: 'Reports', icon: ClipboardList },
			{ href: '/people', label: 'People', icon: Users },
			{ href: '/assignments', label: 'Assignments', icon: ListChecks },
			{ href: '/deletions', label: 'Deletions', icon: Trash2 },
			{ href: '/allowlists', label: 'Allowlists', icon: ShieldCheck }
		]
	},
	{ label: 'System', items: [{ href: '/settings', label: 'Settings', icon: Settings }] }
];

/** The setup checklist: in the sidebar while it is neither finished nor dismissed (sidebar-nav.svelte). */
export const SETUP_ITEM: NavItem = { href: '/setup', label: 'Get started', icon: Rocket };

/** The operator console: in the sidebar's System group for operators only (sidebar-nav.svelte). */
export const OPERATOR_ITEM: NavItem = { href: '/operator', label: 'Operator', icon: ServerCog };

export function isActive(pathname: string, href: string): boolean {
	return pathname === href || pathname.startsWith(href + '/');
}

export function currentNavItem(pathname: string): NavItem | undefined {
	if (isActive(pathname, SETUP_ITEM.href)) return SETUP_ITEM;
	if (isActive(pathname, OPERATOR_ITEM.href)) return OPERATOR_ITEM;
	for (const group of NAV)
		for (const item of group.items) if (isActive(pathname, item.href)) return item;
	return undefined;
}
