import { DropdownMenu } from 'bits-ui';

export const DropdownMenuRoot = DropdownMenu.Root;
export const DropdownMenuTrigger = DropdownMenu.Trigger;
export { default as DropdownMenuContent } from './dropdown-menu-content.svelte';
export { default as DropdownMenuItem } from './dropdown-menu-item.svelte';
export { default as DropdownMenuSeparator } from './dropdown-menu-separator.svelte';
export { default as DropdownMenuLabel } from './dropdown-menu-label.svelte';
