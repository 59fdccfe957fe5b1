/**
 * The "Report thresholds" form: field descriptions, parsing of what people type, and the diff that
 * turns the form into a PATCH body (only the fields that changed). The server validates every value
 * and is the authority; the checks here only give early hints.
 */
import type { components } from '$lib/api/schema';

export type ReportSettings = components['schemas']['ReportSettingsOut'];
export type ReportSettingsUpdate = components['schemas']['ReportSettingsUpdate'];
/** One of the IANA names the server takes (the schema lists them). */
type TimeZoneName = NonNullable<ReportSettingsUpdate['time_zone']>;

type Keys<V> = {
	[K in keyof ReportSettings]: ReportSettings[K] extends V ? K : never;
}[keyof ReportSettings];
export type NumberKey = Keys<number>;
export type BooleanKey = Keys<boolean>;
export type LanguageKey = Keys<string[]>;
export type TimeZoneKey = Keys<string>;

export interface NumberField {
	kind: 'number';
	key: NumberKey;
	label: string;
	unit: string;
	help: string;
	min: number;
	/** The server's lower bound is exclusive (large_movie_gb > 0). */
	minExclusive?: boolean;
	max: number;
	step: number;
	integer: boolean;
}

export interface BooleanField {
	kind: 'boolean';
	key: BooleanKey;
	label: string;
	help: string;
}

export interface LanguageField {
	kind: 'languages';
	key: LanguageKey;
	label: string;
	help: string;
}

export interface TimeZoneField {
	kind: 'timezone';
	key: TimeZoneKey;
	label: string;
	help: string;
}

export type Field = NumberField | BooleanField | LanguageField | TimeZoneField;

export interface FieldGroup {
	id: string;
	title: string;
	description: string;
	fields: Field[];
}

/** Bounds mirror `ReportSettingsUpdate` in backend/src/janitor/reports/schemas.py. */
export const GROUPS: FieldGroup[] = [
	{
		id: 'stale',
		title: 'Stale content',
		description: 'What counts as content nobody watches any more.',
		fields: [
			{
				kind: 'number',
				key: 'stale_months',
				label: 'Stale after',
				unit: 'months',
				help: 'An item nobody has watched for this long is reported as stale.',
				min: 1,
				max: 120,
				step: 1,
				integer: true
			},
			{
				kind: 'number',
				key: 'stale_ignore_added_months',
				label: 'Skip recently added',
				unit: 'months',
				help: 'Items added to a library within this time are not stale yet. 0 turns this off.',
				min: 0,
				max: 120,
				step: 1,
				integer: true
			},
			{
				kind: 'number',
				key: 'stale_ignore_released_months',
				label: 'Skip recent releases',
				unit: 'months',
				help: 'Titles released within this time are not stale yet. 0 turns this off.',
				min: 0,
				max: 120,
				step: 1,
				integer: true
			},
			{
				kind: 'boolean',
				key: 'stale_ignore_future_releases',
				label: 'Skip titles not released yet',
				help: 'Items with a release date in the future are never stale.'
			},
			{
				kind: 'timezone',
				key: 'time_zone',
				label: 'Time zone',
				help: 'What “today” is for these cut-offs: an IANA name such as Europe/Paris or UTC.'
			}
		]
	},
	{
		id: 'large',
		title: 'Large movies',
		description: 'Movies that take more space than they should.',
		fields: [
			{
				kind: 'number',
				key: 'large_movie_gb',
				label: 'Large movie size',
				unit: 'GB',
				help: 'Movies strictly bigger than this are large (a movie of exactly this size is not). Decimal GB, as Plex and Jellyfin show sizes: 1 GB = 1,000,000,000 bytes.',
				min: 0,
				minExclusive: true,
				max: 1000,
				step: 0.1,
				integer: false
			}
		]
	},
	{
		id: 'languages',
		title: 'Languages',
		description: 'Audio and subtitle languages every item should have.',
		fields: [
			{
				kind: 'languages',
				key: 'required_audio_languages',
				label: 'Required audio languages',
				help: 'Codes or English names separated by commas, e.g. en, fr or English, French (fre and fra work too). Items missing one are reported.'
			},
			{
				kind: 'languages',
				key: 'required_subtitle_languages',
				label: 'Required subtitle languages',
				help: 'Codes or English names separated by commas, e.g. fr or French. Forced subtitle tracks do not count. Leave empty to require none.'
			}
		]
	},
	{
		id: 'duplicates',
		title: 'Duplicates',
		description: 'How copies of the same title are matched.',
		fields: [
			{
				kind: 'number',
				key: 'duplicate_tolerance_seconds',
				label: 'Runtime tolerance',
				unit: 'seconds',
				help: 'Two copies whose runtimes differ by at most this much count as duplicates.',
				min: 0,
				max: 60,
				step: 1,
				integer: true
			},
			{
				kind: 'boolean',
				key: 'duplicate_strict',
				label: 'Strict matching',
				help: 'Match on the exact title and runtime only (the tolerance above is ignored).'
			}
		]
	},
	{
		id: 'requests',
		title: 'Requests',
		description: 'Jellyseerr requests that need attention.',
		fields: [
			{
				kind: 'number',
				key: 'stuck_request_days',
				label: 'Stuck after',
				unit: 'days',
				help: 'An approved request still not available more than this many days after Jellyseerr last changed it is stuck (exactly this many days is not yet).',
				min: 1,
				max: 365,
				step: 1,
				integer: true
			},
			{
				kind: 'number',
				key: 'recently_available_days',
				label: 'Recently available window',
				unit: 'days',
				help: 'Requests and library titles that became available at most this many days ago are recent (exactly this many days still counts). Dates in the future never count.',
				min: 1,
				max: 365,
				step: 1,
				integer: true
			}
		]
	}
];

export const FIELDS: Field[] = GROUPS.flatMap((g) => g.fields);

/** What the form holds: numbers and languages as the text people type, booleans as they are. */
export type Draft = Record<NumberKey | LanguageKey | TimeZoneKey, string> &
	Record<BooleanKey, boolean>;

export function toDraft(s: ReportSettings): Draft {
	const draft = {} as Draft;
	for (const f of FIELDS) {
		if (f.kind === 'number') draft[f.key] = String(s[f.key]);
		else if (f.kind === 'boolean') draft[f.key] = s[f.key];
		else if (f.kind === 'timezone') draft[f.key] = s[f.key];
		else draft[f.key] = s[f.key].join(', ');
	}
	return draft;
}

const CODES = /^[a-z]{2,3}(\s+[a-z]{2,3})+$/i;

/**
 * Split a list on commas, semicolons and new lines; empty pieces are dropped, order and case kept.
 * A piece of several short codes ("en fr") is split on spaces too, a name ("Modern Greek") is not.
 */
export function splitLanguages(text: string): string[] {
	return text
		.split(/[,;\n]+/)
		.map((t) => t.trim())
		.filter(Boolean)
		.flatMap((t) => (CODES.test(t) ? t.split(/\s+/) : [t]));
}

/**
 * Early hint only: the server knows every language (codes such as fr, fre, fra, or names such as
 * French) and answers with a message for anything else.
 */
export function languageHint(text: string): string | null {
	return splitLanguages(text).length > 20 ? 'At most 20 languages.' : null;
}

/** Lower-cased, de-duplicated entries: the same list typed differently is no change (for the diff). */
export function normaliseLanguages(text: string): string[] {
	const out: string[] = [];
	for (const code of splitLanguages(text).map((c) => c.toLowerCase())) {
		if (!out.includes(code)) out.push(code);
	}
	return out;
}

/** Whether this browser knows the zone (the server, which has its own database, decides). */
export function knownTimeZone(name: string): boolean {
	try {
		new Intl.DateTimeFormat('en', { timeZone: name });
		return true;
	} catch {
		return false;
	}
}

/** Early hint for a time zone, with the server's wording; null when it looks fine. */
export function timeZoneHint(text: string): string | null {
	const name = text.trim();
	if (name === '') return 'Enter a time zone, e.g. UTC.';
	if (!knownTimeZone(name)) {
		return `'${name}' is not a time zone; use an IANA name such as Europe/Paris, America/New_York or UTC`;
	}
	return null;
}

/** This browser's own zone (offered as a suggestion), or null when it does not say. */
export function browserTimeZone(): string | null {
	return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
}

/** The saved codes with their names, as the server stores them: "fr (French), en (English)". */
export function savedLanguages(codes: string[], names: Record<string, string>): string {
	return codes.map((c) => (names[c] ? `${c} (${names[c]})` : c)).join(', ');
}

/** What a number hint needs to know of its field (its bounds and unit). */
export type NumberBounds = Pick<NumberField, 'unit' | 'min' | 'max' | 'integer' | 'minExclusive'>;

/** A number field's text as a number, or a message when it is not one. */
export function parseNumber(f: NumberBounds, text: string): { value: number } | { error: string } {
	const t = text.trim().replace(',', '.');
	if (t === '') return { error: 'Enter a number.' };
	const n = Number(t);
	if (!Number.isFinite(n)) return { error: `'${text.trim()}' is not a number.` };
	return { value: n };
}

/** Early hint for a number: outside the server's bounds or not whole. The server decides. */
export function numberHint(f: NumberBounds, text: string): string | null {
	const parsed = parseNumber(f, text);
	if ('error' in parsed) return parsed.error;
	const n = parsed.value;
	if (f.integer && !Number.isInteger(n)) return `Use a whole number of ${f.unit}.`;
	if (f.minExclusive ? n <= f.min : n < f.min)
		return f.minExclusive
			? `Must be more than ${amount(f.min, f.unit)}.`
			: `At least ${amount(f.min, f.unit)}.`;
	if (n > f.max) return `At most ${amount(f.max, f.unit)}.`;
	return null;
}

/** "1 month", "3 months", "0.5 GB": a plural unit loses its "s" for exactly one. */
export function amount(n: number, unit: string): string {
	return `${n} ${n === 1 && unit.endsWith('s') ? unit.slice(0, -1) : unit}`;
}

export type DiffResult =
	| { ok: true; changes: ReportSettingsUpdate }
	| { ok: false; errors: Partial<Record<keyof ReportSettings, string>> };

function sameList(a: string[], b: string[]): boolean {
	return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The PATCH body: only fields whose value differs from what was loaded. Values are sent as typed
 * (out-of-range numbers and bad language codes too: the server rejects them with its own message);
 * only text that is not a number at all stops the save, since it cannot be sent as one.
 */
export function diffSettings(original: ReportSettings, draft: Draft): DiffResult {
	const changes: ReportSettingsUpdate = {};
	const errors: Partial<Record<keyof ReportSettings, string>> = {};
	for (const f of FIELDS) {
		if (f.kind === 'number') {
			const parsed = parseNumber(f, draft[f.key]);
			if ('error' in parsed) errors[f.key] = parsed.error;
			else if (parsed.value !== original[f.key]) changes[f.key] = parsed.value;
		} else if (f.kind === 'boolean') {
			if (draft[f.key] !== original[f.key]) changes[f.key] = draft[f.key];
		} else if (f.kind === 'timezone') {
			// Sent as typed (trimmed): the server refuses a name not in its list with its own message.
			const zone = draft[f.key].trim();
			if (zone !== original[f.key]) changes[f.key] = zone as TimeZoneName;
		} else {
			const typed = splitLanguages(draft[f.key]);
			if (!sameList(normaliseLanguages(draft[f.key]), original[f.key])) changes[f.key] = typed;
		}
	}
	if (Object.keys(errors).length) return { ok: false, errors };
	return { ok: true, changes };
}

/** Field labels of a PATCH body, for the success message. */
export function changedLabels(changes: ReportSettingsUpdate): string[] {
	return FIELDS.filter((f) => f.key in changes).map((f) => f.label);
}
