import { Dialog } from 'bits-ui';

export const DialogRoot = Dialog.Root;
export const DialogTrigger = Dialog.Trigger;
export const DialogClose = Dialog.Close;
export { default as DialogContent } from './dialog-content.svelte';
export { default as DialogTitle } from './dialog-title.svelte';
export { default as DialogDescription } from './dialog-description.svelte';
export { default as DialogHeader } from './dialog-header.svelte';
export { default as DialogFooter } from './dialog-footer.svelte';
