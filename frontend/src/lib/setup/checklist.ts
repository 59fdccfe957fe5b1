/**
 * The setup checklist's words and order. Whether a step is done is the server's answer (each from the
 * account's data, `GET /api/v1/setup`); this only says what each step means and what to do next.
 */
import type { Setup, SetupStepKey } from '$lib/api/types';
import { count, plural, relativeTime } from '$lib/format';
import { savedLanguages } from '$lib/settings/thresholds';

export interface StepText {
	key: SetupStepKey;
	title: string;
	/** What is true now (done) or what the step asks (to do). */
	detail: string;
	done: boolean;
}

const TITLES: Record<SetupStepKey, string> = {
	connect: 'Connect a server',
	libraries: 'Pick the libraries',
	languages: 'Choose your languages',
	sync: 'Run the first sync',
	dashboard: 'Look at the dashboard'
};

function done(state: Setup, key: SetupStepKey): boolean {
	return state.steps.find((s) => s.key === key)?.done ?? false;
}

function languagesText(state: Setup): string {
	const names = state.language_names;
	const audio = state.audio_languages.length
		? savedLanguages(state.audio_languages, names)
		: 'none';
	const subs = state.subtitle_languages.length
		? savedLanguages(state.subtitle_languages, names)
		: 'none';
	return `Audio: ${audio}. Subtitles: ${subs}.`;
}

function detail(state: Setup, key: SetupStepKey, now: number): string {
	const ok = done(state, key);
	switch (key) {
		case 'connect':
			return ok
				? `${plural(state.media_servers, 'media server')} connected.`
				: 'Plex or Jellyfin: sign in with Plex, or give a server’s address and a token or API key.';
		case 'libraries':
			if (state.libraries === 0)
				return 'Choose which libraries to read once a server is connected.';
			return ok
				? `Reading ${count(state.libraries_enabled)} of ${plural(state.libraries, 'library', 'libraries')}. Turn off the ones you never want cleaned up.`
				: 'No library is read: turn on at least one.';
		case 'languages':
			return ok
				? languagesText(state)
				: 'Which audio and subtitle languages every movie and episode should have. Until you choose, the language report lists nothing.';
		case 'sync':
			return ok && state.last_complete_sync_at
				? `Last complete sync ${relativeTime(state.last_complete_sync_at, now)}.`
				: 'Read every library once, to the end. Connecting a server starts one.';
		case 'dashboard':
			return ok
				? 'Seen. The dashboard sums up what can be cleaned up.'
				: 'Once a sync is complete, the dashboard sums up duplicates, stale and large files, language issues and requests.';
	}
}

/** The steps in order, each with its title and what it says now. */
export function steps(state: Setup, now: number = Date.now()): StepText[] {
	return state.steps.map((s) => ({
		key: s.key,
		title: TITLES[s.key],
		detail: detail(state, s.key, now),
		done: s.done
	}));
}

export function progress(state: Setup): { done: number; total: number } {
	return { done: state.steps.filter((s) => s.done).length, total: state.steps.length };
}

/** The first step not done yet (the one to do now), or null when every step is done. */
export function nextStep(state: Setup): SetupStepKey | null {
	return state.steps.find((s) => !s.done)?.key ?? null;
}

/** Whether the dashboard and the sidebar show the checklist: not finished, not hidden. */
export function showChecklist(state: Setup | null): boolean {
	return state !== null && !state.done && !state.dismissed;
}

/**
 * Languages to offer before any were chosen: the browser's own (primary subtags, at most three, in
 * order), for audio. Nothing is chosen from this until the owner saves it.
 */
export function suggestedLanguages(browser: readonly string[]): string[] {
	const out: string[] = [];
	for (const tag of browser) {
		const primary = tag.split('-')[0]?.toLowerCase() ?? '';
		if (/^[a-z]{2,3}$/.test(primary) && !out.includes(primary)) out.push(primary);
		if (out.length === 3) break;
	}
	return out;
}

/**
 * What the languages form starts with: the saved lists once chosen (or kept from before the choice
 * existed); otherwise the browser's languages for audio and no subtitles.
 */
export function languagesDraft(
	state: Pick<Setup, 'languages_chosen_at' | 'audio_languages' | 'subtitle_languages'>,
	browser: readonly string[]
): { audio: string; subtitles: string } {
	const stored = state.audio_languages.length > 0 || state.subtitle_languages.length > 0;
	if (state.languages_chosen_at || stored) {
		return {
			audio: state.audio_languages.join(', '),
			subtitles: state.subtitle_languages.join(', ')
		};
	}
	return { audio: suggestedLanguages(browser).join(', '), subtitles: '' };
}
