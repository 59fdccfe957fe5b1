import { describe, expect, it } from 'vitest';
import {
	otherTheme,
	parseTheme,
	resolveTheme,
	ThemeStore,
	type Theme,
	type ThemeEnv
} from './theme.svelte';

function env(stored: string | null, prefersDark: boolean) {
	const state = { stored, applied: [] as Theme[] };
	const e: ThemeEnv = {
		read: () => state.stored,
		write: (t) => {
			state.stored = t;
		},
		prefersDark: () => prefersDark,
		apply: (t) => {
			state.applied.push(t);
		}
	};
	return { e, state };
}

describe('theme logic', () => {
	it('parses only known values', () => {
		expect(parseTheme('dark')).toBe('dark');
		expect(parseTheme('light')).toBe('light');
		expect(parseTheme('system')).toBeNull();
		expect(parseTheme(null)).toBeNull();
	});

	it('an explicit choice beats the OS preference', () => {
		expect(resolveTheme('light', true)).toBe('light');
		expect(resolveTheme('dark', false)).toBe('dark');
		expect(resolveTheme(null, true)).toBe('dark');
		expect(resolveTheme(null, false)).toBe('light');
		expect(otherTheme('light')).toBe('dark');
	});

	it('follows the OS until the user toggles, then persists', () => {
		const { e, state } = env(null, true);
		const t = new ThemeStore(e);
		expect(t.current).toBe('dark');
		expect(t.explicit).toBe(false);

		t.systemChanged(false);
		expect(t.current).toBe('light');

		t.toggle();
		expect(t.current).toBe('dark');
		expect(t.explicit).toBe(true);
		expect(state.stored).toBe('dark');
		expect(state.applied.at(-1)).toBe('dark');

		t.systemChanged(false);
		expect(t.current).toBe('dark');
	});

	it('reads the stored choice', () => {
		const { e } = env('light', true);
		const t = new ThemeStore(e);
		expect(t.current).toBe('light');
		expect(t.explicit).toBe(true);
	});
});
