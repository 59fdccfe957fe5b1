/**
 * The deletion settings form: its fields, what people type (sizes in decimal GB, as the servers
 * show them) and the diff that becomes the PUT body (only what changed). Numbers are checked
 * against the API schema's own bounds before sending; the server stays the authority.
 */
import type { DeletionSettings, DeletionSettingsUpdate } from '$lib/api/types';
import { GB } from '$lib/format';
import { constraintOf, parseNumberText, rangeText } from '$lib/forms/constraints';
import { numberHint, numberRange, parseNumber, type NumberBounds } from '$lib/settings/thresholds';

type NumberKey =
	| 'delay_hours'
	| 'sync_max_age_hours'
	| 'max_run_items'
	| 'max_run_bytes'
	| 'max_day_items'
	| 'max_day_bytes'
	| 'first_live_run_items';
type BooleanKey = 'paused' | 'whole_seasons' | 'clear_jellyseerr';

export interface NumberSetting extends NumberBounds {
	kind: 'number';
	key: NumberKey;
	label: string;
	unit: string;
	help: string;
	integer: boolean;
	/** Bytes per unit when the field is a size typed in GB (1 otherwise). */
	scale: number;
}

export interface BooleanSetting {
	kind: 'boolean';
	key: BooleanKey;
	label: string;
	help: string;
}

export type Setting = NumberSetting | BooleanSetting;

const number = (key: NumberKey, label: string, unit: string, help: string): NumberSetting => ({
	kind: 'number',
	key,
	label,
	unit,
	help,
	constraint: constraintOf('DeletionSettingsIn', key),
	integer: unit !== 'GB',
	scale: unit === 'GB' ? GB : 1
});

/** The bounds are the API schema's (`DeletionSettingsIn`), read from its OpenAPI document. */
export const WHEN: Setting[] = [
	{
		kind: 'boolean',
		key: 'paused',
		label: 'Pause every deletion',
		help: 'Your kill switch: while it is on nothing is deleted, on any server. Queued items wait, and you can still cancel them.'
	},
	number(
		'delay_hours',
		'Wait before deleting',
		'hours',
		'How long a queued item waits before it can go; until then you can cancel or postpone it. A library can have its own (below). Applies to items queued from now on.'
	),
	{
		kind: 'boolean',
		key: 'whole_seasons',
		label: 'Whole seasons',
		help: 'Watch-based shows: queue a season once every episode of it is watched, instead of episode by episode.'
	},
	number(
		'sync_max_age_hours',
		'Sync no older than',
		'hours',
		'An item is deleted only when its server’s latest complete sync is at most this old; otherwise it waits for the next sync.'
	),
	{
		kind: 'boolean',
		key: 'clear_jellyseerr',
		label: 'Clear it in Jellyseerr',
		help: 'After a deletion, clear the title’s media in Jellyseerr so that it can be requested again.'
	}
];

export const CAPS: Setting[] = [
	number('max_run_items', 'Items per run', 'items', 'Each run deletes at most this many.'),
	number('max_run_bytes', 'Size per run', 'GB', 'And at most this much space.'),
	number(
		'max_day_items',
		'Items per day',
		'items',
		'Over any 24 hours, every run of a server together.'
	),
	number('max_day_bytes', 'Size per day', 'GB', 'Over any 24 hours.'),
	number(
		'first_live_run_items',
		'First real run',
		'items',
		'The first run after a server leaves dry-run deletes at most this many: a small first step.'
	)
];

export const SETTINGS: Setting[] = [...WHEN, ...CAPS];

const LIBRARY_DELAY = constraintOf('LibraryDelayIn', 'delay_hours');

/** What the form holds: numbers as the text people type (sizes in GB), switches as they are. */
export type Draft = Record<NumberKey, string> & Record<BooleanKey, boolean>;

export function toDraft(s: DeletionSettings): Draft {
	const draft = {} as Draft;
	for (const f of SETTINGS) {
		if (f.kind === 'number') draft[f.key] = String(s[f.key] / f.scale);
		else draft[f.key] = s[f.key];
	}
	return draft;
}

export function hint(f: NumberSetting, text: string): string | null {
	return numberHint(f, text);
}

/** The accepted values of a number, for its help: "1–1,000 items". */
export function range(f: NumberSetting): string {
	return numberRange(f);
}

export type Diff =
	| { ok: true; changes: DeletionSettingsUpdate }
	| { ok: false; errors: Partial<Record<NumberKey, string>> };

/**
 * The PUT body: only the fields whose value differs from what was loaded, sizes in bytes. A value
 * the schema refuses stops the save, with its message under the field.
 */
export function diffSettings(original: DeletionSettings, draft: Draft): Diff {
	const changes: DeletionSettingsUpdate = {};
	const errors: Partial<Record<NumberKey, string>> = {};
	for (const f of SETTINGS) {
		if (f.kind === 'boolean') {
			if (draft[f.key] !== original[f.key]) changes[f.key] = draft[f.key];
			continue;
		}
		const parsed = parseNumber(f, draft[f.key]);
		if ('error' in parsed) {
			errors[f.key] = parsed.error;
			continue;
		}
		if (parsed.value !== original[f.key]) changes[f.key] = parsed.value;
	}
	if (Object.keys(errors).length) return { ok: false, errors };
	return { ok: true, changes };
}

/** The labels of what a PUT body changes, for the success message. */
export function changedLabels(changes: DeletionSettingsUpdate): string[] {
	return SETTINGS.filter((f) => f.key in changes).map((f) => f.label);
}

/** A library's own delay as typed: hours, null for "the account's delay", or a message. */
export function parseLibraryDelay(text: string): { value: number | null } | { error: string } {
	if (text.trim() === '') return { value: null };
	const parsed = parseNumberText(LIBRARY_DELAY, 'delay_hours', text);
	if ('error' in parsed)
		return {
			error: `${parsed.error} (${rangeText(LIBRARY_DELAY, 'delay_hours')}); leave empty for your delay.`
		};
	return parsed;
}
