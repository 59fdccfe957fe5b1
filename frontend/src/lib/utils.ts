import { clsx, type ClassValue } from 'clsx';

/** Join class names (no tailwind-merge: keeps the bundle small; avoid conflicting overrides). */
export function cn(...inputs: ClassValue[]): string {
	return clsx(inputs);
}
