/**
 * The deletion settings form: its fields, what people type (sizes in decimal GB, as the servers
 * show them) and the diff that becomes the PUT body (only what changed). The server validates
 * every value and is the authority; the checks here only give early hints.
 */
import type { DeletionSettings, DeletionSettingsUpdate } from '$lib/api/types';
import { GB } from '$lib/format';
import { numberHint, parseNumber, type NumberBounds } from '$lib/settings/thresholds';

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
	help: string;
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

const number = (
	key: NumberKey,
	label: string,
	unit: string,
	min: number,
	max: number,
	help: string
): NumberSetting => ({
	kind: 'number',
	key,
	label,
	unit,
	min,
	max,
	help,
	integer: unit !== 'GB',
	scale: unit === 'GB' ? GB : 1
});

/** Bounds mirror `DeletionSettingsIn` in backend/src/janitor/deletions/schemas.py. */
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
		1,
		24 * 365,
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
		1,
		168,
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
	number('max_run_items', 'Items per run', 'items', 1, 1000, 'Each run deletes at most this many.'),
	number('max_run_bytes', 'Size per run', 'GB', 1, 1_000_000, 'And at most this much space.'),
	number(
		'max_day_items',
		'Items per day',
		'items',
		1,
		10_000,
		'Over any 24 hours, every run of a server together.'
	),
	number('max_day_bytes', 'Size per day', 'GB', 1, 1_000_000, 'Over any 24 hours.'),
	number(
		'first_live_run_items',
		'First real run',
		'items',
		1,
		100,
		'The first run after a server leaves dry-run deletes at most this many: a small first step.'
	)
];

export const SETTINGS: Setting[] = [...WHEN, ...CAPS];

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

export type Diff =
	| { ok: true; changes: DeletionSettingsUpdate }
	| { ok: false; errors: Partial<Record<NumberKey, string>> };

/**
 * The PUT body: only the fields whose value differs from what was loaded, sizes in bytes. Values
 * are sent as typed (out of bounds too: the server answers with its own message); only text that
 * is not a number at all stops the save.
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
		const value = Math.round(parsed.value * f.scale);
		if (value !== original[f.key]) changes[f.key] = value;
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
	const t = text.trim();
	if (t === '') return { value: null };
	const n = Number(t);
	if (!Number.isInteger(n) || n < 1 || n > 24 * 365)
		return { error: 'A whole number of hours, from 1 to 8760; leave empty for your delay.' };
	return { value: n };
}
