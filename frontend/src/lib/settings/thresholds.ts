/**
 * The "Report thresholds" form: field descriptions, parsing of what people type, and the diff that
 * turns the form into a PATCH body (only the fields that changed). Numbers are checked against the
 * API schema's own bounds before sending (lib/forms/constraints); the server stays the authority.
 */
import type { components } from '$lib/api/schema';
import {
	constraintOf,
	parseNumberText,
	rangeText,
	type PropertyConstraint
} from '$lib/forms/constraints';

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
	/** The schema's bounds of the field (`ReportSettingsUpdate`). */
	constraint: PropertyConstraint;
	integer: boolean;
	/** What one typed unit is in the value sent (1; a size typed in GB and sent in bytes: 10^9). */
	scale: number;
}

function numberField(key: NumberKey, label: string, unit: string, help: string): NumberField {
	const constraint = constraintOf('ReportSettingsUpdate', key);
	return {
		kind: 'number',
		key,
		label,
		unit,
		help,
		constraint,
		integer: constraint.type === 'integer',
		scale: 1
	};
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

/** The bounds are the API schema's (`ReportSettingsUpdate`), read from its OpenAPI document. */
export const GROUPS: FieldGroup[] = [
	{
		id: 'stale',
		title: 'Stale content',
		description: 'What counts as content nobody watches any more.',
		fields: [
			numberField(
				'stale_months',
				'Stale after',
				'months',
				'An item nobody has watched for this long is reported as stale.'
			),
			numberField(
				'stale_ignore_added_months',
				'Skip recently added',
				'months',
				'Items added to a library within this time are not stale yet. 0 turns this off.'
			),
			numberField(
				'stale_ignore_released_months',
				'Skip recent releases',
				'months',
				'Titles released within this time are not stale yet. 0 turns this off.'
			),
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
			numberField(
				'large_movie_gb',
				'Large movie size',
				'GB',
				'Movies strictly bigger than this are large (a movie of exactly this size is not). Decimal GB, as Plex and Jellyfin show sizes: 1 GB = 1,000,000,000 bytes.'
			)
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
			numberField(
				'duplicate_tolerance_seconds',
				'Runtime tolerance',
				'seconds',
				'Two copies whose runtimes differ by at most this much count as duplicates.'
			),
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
			numberField(
				'stuck_request_days',
				'Stuck after',
				'days',
				'An approved request still not available more than this many days after Jellyseerr last changed it is stuck (exactly this many days is not yet).'
			),
			numberField(
				'recently_available_days',
				'Recently available window',
				'days',
				'Requests and library titles that became available at most this many days ago are recent (exactly this many days still counts). Dates in the future never count.'
			)
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

/** What a number hint needs to know of its field (its schema bounds, name and scale). */
export interface NumberBounds {
	/** The property's name in the schema (its unit is read from it, as the server does). */
	key: string;
	constraint: PropertyConstraint;
	scale: number;
}

/** A number field's text as the value to send, or the message (the server's words) when it is not. */
export function parseNumber(f: NumberBounds, text: string): { value: number } | { error: string } {
	return parseNumberText(f.constraint, f.key, text, f.scale);
}

/** The message under a number field: not a number, not whole, outside the schema's bounds. */
export function numberHint(f: NumberBounds, text: string): string | null {
	const parsed = parseNumber(f, text);
	return 'error' in parsed ? parsed.error : null;
}

/** The accepted values of a number field, for its help: "1–120 months". */
export function numberRange(f: NumberBounds): string {
	return rangeText(f.constraint, f.key);
}

export type DiffResult =
	| { ok: true; changes: ReportSettingsUpdate }
	| { ok: false; errors: Partial<Record<keyof ReportSettings, string>> };

function sameList(a: string[], b: string[]): boolean {
	return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The PATCH body: only fields whose value differs from what was loaded. A number the schema refuses
 * stops the save with its message; language names and time zones are sent as typed (the server
 * knows them and answers for a wrong one).
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
