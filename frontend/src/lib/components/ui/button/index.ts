export { default as Button, buttonClass } from './button.svelte';
export type { ButtonVariant, ButtonSize } from './button.svelte';
