export { default as Badge } from './badge.svelte';
export type { BadgeVariant } from './badge.svelte';
