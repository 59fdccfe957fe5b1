import { describe, expect, it } from 'vitest';
import type { Setup } from '$lib/api/types';
import {
	languagesDraft,
	nextStep,
	progress,
	showChecklist,
	steps,
	suggestedLanguages
} from './checklist';

const KEYS = ['connect', 'libraries', 'languages', 'sync', 'dashboard'] as const;

function state(
	done: Partial<Record<(typeof KEYS)[number], boolean>> = {},
	p: Partial<Setup> = {}
): Setup {
	const steps = KEYS.map((key) => ({ key, done: done[key] ?? false }));
	return {
		steps,
		done: steps.every((s) => s.done),
		dismissed: false,
		media_servers: 0,
		libraries: 0,
		libraries_enabled: 0,
		languages_chosen_at: null,
		audio_languages: [],
		subtitle_languages: [],
		language_names: {},
		last_complete_sync_at: null,
		dashboard_seen_at: null,
		...p
	};
}

describe('progress and the next step', () => {
	it('counts the done steps and points at the first one left, in order', () => {
		const s = state({ connect: true, languages: true });
		expect(progress(s)).toEqual({ done: 2, total: 5 });
		// Steps can be done out of order: the next one is still the first not done.
		expect(nextStep(s)).toBe('libraries');
		expect(nextStep(state(Object.fromEntries(KEYS.map((k) => [k, true]))))).toBeNull();
	});

	it('shows the checklist while it is neither finished nor dismissed', () => {
		expect(showChecklist(null)).toBe(false);
		expect(showChecklist(state())).toBe(true);
		expect(showChecklist(state({}, { dismissed: true }))).toBe(false);
		const all = state(Object.fromEntries(KEYS.map((k) => [k, true])));
		expect(all.done).toBe(true);
		expect(showChecklist(all)).toBe(false);
	});
});

describe('what each step says', () => {
	const NOW = Date.parse('2026-12-06T12:00:00Z');

	it('says what is true once a step is done', () => {
		const s = state(
			{ connect: true, libraries: true, languages: true, sync: true },
			{
				media_servers: 2,
				libraries: 5,
				libraries_enabled: 3,
				languages_chosen_at: '2026-12-06T11:00:00Z',
				audio_languages: ['en', 'fr'],
				subtitle_languages: [],
				language_names: { en: 'English', fr: 'French' },
				last_complete_sync_at: '2026-12-06T11:55:00Z'
			}
		);
		const by = Object.fromEntries(steps(s, NOW).map((x) => [x.key, x]));
		expect(by.connect.detail).toBe('2 media servers connected.');
		expect(by.libraries.detail).toMatch(/^Reading 3 of 5 libraries\./);
		expect(by.languages.detail).toBe('Audio: en (English), fr (French). Subtitles: none.');
		expect(by.sync.detail).toBe('Last complete sync 5 minutes ago.');
		expect(by.dashboard.done).toBe(false);
		expect(steps(s).map((x) => x.title)).toEqual([
			'Connect a server',
			'Pick the libraries',
			'Choose your languages',
			'Run the first sync',
			'Look at the dashboard'
		]);
	});

	it('says what to do while a step is not done', () => {
		const by = Object.fromEntries(
			steps(state({ connect: true }, { libraries: 3 })).map((x) => [x.key, x])
		);
		expect(by.connect.detail).toBe('0 media servers connected.');
		expect(by.libraries.detail).toBe('No library is read: turn on at least one.');
		expect(by.languages.detail).toContain('Until you choose, the language report lists nothing.');
		expect(steps(state()).find((x) => x.key === 'libraries')!.detail).toBe(
			'Choose which libraries to read once a server is connected.'
		);
	});
});

describe('languages to start from', () => {
	it('suggests the browser languages, primary subtags, once each, at most three', () => {
		expect(suggestedLanguages(['en-US', 'en', 'fr-CA', 'de', 'es'])).toEqual(['en', 'fr', 'de']);
		expect(suggestedLanguages(['zh-Hant-TW', '*', ''])).toEqual(['zh']);
		expect(suggestedLanguages([])).toEqual([]);
	});

	it('starts from the browser before any choice, from the saved lists after', () => {
		const fresh = { languages_chosen_at: null, audio_languages: [], subtitle_languages: [] };
		expect(languagesDraft(fresh, ['fr-FR', 'en'])).toEqual({ audio: 'fr, en', subtitles: '' });
		const chosen = {
			languages_chosen_at: '2026-12-06T11:00:00Z',
			audio_languages: [],
			subtitle_languages: ['en']
		};
		// An empty list chosen is kept empty, never replaced by a suggestion.
		expect(languagesDraft(chosen, ['fr-FR'])).toEqual({ audio: '', subtitles: 'en' });
		// Lists kept from before the choice existed (not chosen yet) are offered as they are.
		const kept = {
			languages_chosen_at: null,
			audio_languages: ['en', 'fr'],
			subtitle_languages: ['fr']
		};
		expect(languagesDraft(kept, ['de'])).toEqual({ audio: 'en, fr', subtitles: 'fr' });
	});
});
