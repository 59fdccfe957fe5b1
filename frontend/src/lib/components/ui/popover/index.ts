import { Popover } from 'bits-ui';

export const PopoverRoot = Popover.Root;
export const PopoverTrigger = Popover.Trigger;
export const PopoverClose = Popover.Close;
export { default as PopoverContent } from './popover-content.svelte';
