export { default as Alert } from './alert.svelte';
export type { AlertVariant } from './alert.svelte';
