import { describe, expect, it } from 'vitest';
import {
	FIELDS,
	changedLabels,
	diffSettings,
	languageHint,
	normaliseLanguages,
	timeZoneHint,
	numberHint,
	numberRange,
	savedLanguages,
	splitLanguages,
	toDraft,
	type NumberField,
	type ReportSettings
} from './thresholds';

const base: ReportSettings = {
	stale_months: 4,
	stale_ignore_added_months: 3,
	stale_ignore_released_months: 3,
	stale_ignore_future_releases: true,
	large_movie_gb: 13,
	required_audio_languages: ['en', 'fr'],
	required_subtitle_languages: ['fr'],
	languages_chosen_at: '2026-12-01T00:00:00Z',
	language_names: { en: 'English', fr: 'French' },
	duplicate_tolerance_seconds: 2,
	duplicate_strict: false,
	stuck_request_days: 7,
	recently_available_days: 7,
	time_zone: 'UTC'
};

const field = (key: string) => FIELDS.find((f) => f.key === key) as NumberField;

describe('language codes', () => {
	it('splits on commas and semicolons and drops empty pieces', () => {
		expect(splitLanguages(' en, FR;de  ,, it ')).toEqual(['en', 'FR', 'de', 'it']);
		expect(splitLanguages('   ')).toEqual([]);
	});

	it('splits short codes on spaces, never a name', () => {
		expect(splitLanguages('en fr, de')).toEqual(['en', 'fr', 'de']);
		expect(splitLanguages('Modern Greek, Norwegian Bokmål')).toEqual([
			'Modern Greek',
			'Norwegian Bokmål'
		]);
		expect(splitLanguages('French\nfre')).toEqual(['French', 'fre']);
	});

	it('normalises to lower-case without duplicates, keeping the order', () => {
		expect(normaliseLanguages('FR, en, fr, EN')).toEqual(['fr', 'en']);
	});

	it('leaves codes and names to the server: names and three-letter codes are no error', () => {
		expect(languageHint('en, English, fra, Français')).toBeNull();
		expect(languageHint('')).toBeNull();
	});

	it('flags more than 20 languages', () => {
		const many = Array.from({ length: 21 }, (_, i) => String.fromCharCode(97 + (i % 26)) + 'a');
		expect(languageHint(many.join(','))).toBe('At most 20 languages.');
	});

	it('shows the saved codes with their names', () => {
		expect(savedLanguages(['fr', 'en'], { fr: 'French', en: 'English' })).toBe(
			'fr (French), en (English)'
		);
		expect(savedLanguages(['zz'], {})).toBe('zz');
	});
});

describe('number hints', () => {
	it('use the schema bounds, in the server words', () => {
		expect(numberHint(field('stale_months'), '0')).toBe('At least 1 month');
		expect(numberHint(field('stale_months'), '121')).toBe('At most 120 months');
		expect(numberHint(field('stale_months'), '2.5')).toBe('Must be a whole number');
		expect(numberHint(field('stale_months'), '6')).toBeNull();
		expect(numberHint(field('stuck_request_days'), '0')).toBe('At least 1 day');
		expect(numberHint(field('stuck_request_days'), '366')).toBe('At most 365 days');
		expect(numberHint(field('large_movie_gb'), '0')).toBe('More than 0 GB');
		expect(numberHint(field('large_movie_gb'), '12,5')).toBeNull();
		expect(numberHint(field('stale_ignore_added_months'), '0')).toBeNull();
		expect(numberRange(field('large_movie_gb'))).toBe('more than 0, at most 1,000 GB');
		expect(numberRange(field('duplicate_tolerance_seconds'))).toBe('0–60 seconds');
	});

	it('say when the text is not a number', () => {
		expect(numberHint(field('stale_months'), '')).toBe('Required');
		expect(numberHint(field('stale_months'), 'six')).toBe('Must be a whole number');
		expect(numberHint(field('large_movie_gb'), 'big')).toBe('Must be a number');
	});
});

describe('diffSettings', () => {
	it('sends nothing when nothing changed', () => {
		expect(diffSettings(base, toDraft(base))).toEqual({ ok: true, changes: {} });
	});

	it('sends only the changed fields, typed', () => {
		const draft = toDraft(base);
		draft.large_movie_gb = '40';
		draft.duplicate_strict = true;
		draft.required_subtitle_languages = 'fr, en';
		const d = diffSettings(base, draft);
		expect(d).toEqual({
			ok: true,
			changes: {
				large_movie_gb: 40,
				duplicate_strict: true,
				required_subtitle_languages: ['fr', 'en']
			}
		});
		if (d.ok)
			expect(changedLabels(d.changes)).toEqual([
				'Large movie size',
				'Required subtitle languages',
				'Strict matching'
			]);
	});

	it('treats a different spelling of the same languages as unchanged', () => {
		const draft = toDraft(base);
		draft.required_audio_languages = 'EN fr en';
		expect(diffSettings(base, draft)).toEqual({ ok: true, changes: {} });
	});

	it('sends names and bad codes as typed, for the server to judge', () => {
		const draft = toDraft(base);
		draft.required_audio_languages = 'en, French, xyzzy';
		expect(diffSettings(base, draft)).toEqual({
			ok: true,
			changes: { required_audio_languages: ['en', 'French', 'xyzzy'] }
		});
	});

	it('stops on a number outside the schema bounds, before sending', () => {
		const draft = toDraft(base);
		draft.stale_months = '0';
		draft.large_movie_gb = '2000';
		expect(diffSettings(base, draft)).toEqual({
			ok: false,
			errors: { stale_months: 'At least 1 month', large_movie_gb: 'At most 1,000 GB' }
		});
	});

	it('an empty list clears the languages', () => {
		const draft = toDraft(base);
		draft.required_subtitle_languages = '';
		expect(diffSettings(base, draft)).toEqual({
			ok: true,
			changes: { required_subtitle_languages: [] }
		});
	});

	it('refuses text that cannot be sent as a number', () => {
		const draft = toDraft(base);
		draft.stuck_request_days = 'a week';
		draft.stale_months = '';
		expect(diffSettings(base, draft)).toEqual({
			ok: false,
			errors: { stale_months: 'Required', stuck_request_days: 'Must be a whole number' }
		});
	});
});

describe('time zone', () => {
	it('hints at names the browser does not know, with the server wording', () => {
		expect(timeZoneHint('Europe/Paris')).toBeNull();
		expect(timeZoneHint(' UTC ')).toBeNull();
		expect(timeZoneHint('Mars/Olympus')).toBe(
			"'Mars/Olympus' is not a time zone; use an IANA name such as Europe/Paris, America/New_York or UTC"
		);
		expect(timeZoneHint('')).toBe('Enter a time zone, e.g. UTC.');
	});

	it('is sent trimmed, and only when it changed', () => {
		const draft = toDraft(base);
		draft.time_zone = ' UTC ';
		expect(diffSettings(base, draft)).toEqual({ ok: true, changes: {} });
		draft.time_zone = 'Pacific/Auckland ';
		const d = diffSettings(base, draft);
		expect(d).toEqual({ ok: true, changes: { time_zone: 'Pacific/Auckland' } });
		if (d.ok) expect(changedLabels(d.changes)).toEqual(['Time zone']);
	});
});

describe('toDraft', () => {
	it('covers every setting the API returns (language_names and languages_chosen_at are what the server says, not settings)', () => {
		const settings = Object.keys(base).filter(
			(k) => k !== 'language_names' && k !== 'languages_chosen_at'
		);
		expect(Object.keys(toDraft(base)).sort()).toEqual(settings.sort());
		expect(toDraft(base).required_audio_languages).toBe('en, fr');
	});
});
