/**
 * Light/dark theme. An explicit choice is persisted in localStorage; without one the app
 * follows `prefers-color-scheme` (and keeps following it live). app.html applies the same
 * rule before first paint so there is no flash.
 */

export type Theme = 'light' | 'dark';
export const THEME_KEY = 'janitor-theme';

export function parseTheme(value: unknown): Theme | null {
	return value === 'light' || value === 'dark' ? value : null;
}

export function resolveTheme(stored: Theme | null, prefersDark: boolean): Theme {
	return stored ?? (prefersDark ? 'dark' : 'light');
}

export function otherTheme(theme: Theme): Theme {
	return theme === 'dark' ? 'light' : 'dark';
}

export interface ThemeEnv {
	read(): string | null;
	write(theme: Theme): void;
	prefersDark(): boolean;
	apply(theme: Theme): void;
}

export class ThemeStore {
	current = $state<Theme>('light');
	/** True once the user picked a theme (stored), false while following the OS. */
	explicit = $state(false);
	readonly #env: ThemeEnv;

	constructor(env: ThemeEnv) {
		this.#env = env;
		const stored = parseTheme(env.read());
		this.explicit = stored !== null;
		this.current = resolveTheme(stored, env.prefersDark());
	}

	set(theme: Theme): void {
		this.current = theme;
		this.explicit = true;
		this.#env.write(theme);
		this.#env.apply(theme);
	}

	toggle(): void {
		this.set(otherTheme(this.current));
	}

	/** The OS preference changed; only matters while no explicit choice was made. */
	systemChanged(prefersDark: boolean): void {
		if (this.explicit) return;
		this.current = prefersDark ? 'dark' : 'light';
		this.#env.apply(this.current);
	}
}

const DARK_QUERY = '(prefers-color-scheme: dark)';

function browserEnv(): ThemeEnv {
	const hasDom = typeof window !== 'undefined';
	return {
		read() {
			try {
				return hasDom ? window.localStorage.getItem(THEME_KEY) : null;
			} catch {
				return null;
			}
		},
		write(theme) {
			try {
				if (hasDom) window.localStorage.setItem(THEME_KEY, theme);
			} catch {
				// Private mode / storage disabled: the choice lasts for this page only.
			}
		},
		prefersDark() {
			return hasDom && typeof window.matchMedia === 'function'
				? window.matchMedia(DARK_QUERY).matches
				: false;
		},
		apply(theme) {
			if (hasDom) document.documentElement.classList.toggle('dark', theme === 'dark');
		}
	};
}

export const theme = new ThemeStore(browserEnv());

/** Follow OS changes while no explicit choice exists. Returns an unsubscribe function. */
export function watchSystemTheme(store: ThemeStore = theme): () => void {
	if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return () => {};
	const mq = window.matchMedia(DARK_QUERY);
	const onChange = (e: MediaQueryListEvent) => store.systemChanged(e.matches);
	mq.addEventListener('change', onChange);
	return () => mq.removeEventListener('change', onChange);
}
