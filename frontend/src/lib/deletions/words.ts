/**
 * Deletions in plain words: what kind of deletion a row is, where it stands, what an audit event
 * means, and how long until it is due. Pure functions only (unit-tested).
 */
import type { AuditEvent, DeletionReason, QueueRow } from '$lib/api/types';

type RowLike = Pick<QueueRow, 'reason' | 'media_id' | 'origin'>;

const REPORT_OF: Partial<Record<DeletionReason, string>> = {
	stale: 'Stale content',
	large: 'Large movies',
	language: 'Language issues'
};

/** Watch-based, chosen from a report, or a duplicate's extra copy or version. */
export function kindOf(row: RowLike): { label: string; detail: string | null } {
	if (row.reason === 'watched')
		return { label: 'Watch-based', detail: 'Everyone assigned watched it' };
	if (row.reason === 'duplicate')
		return row.media_id
			? { label: 'Duplicate version', detail: 'Only this version goes; the item keeps another' }
			: { label: 'Duplicate copy', detail: 'The group keeps its keeper' };
	return { label: 'From a report', detail: REPORT_OF[row.reason] ?? null };
}

export type StatusTone =
	'default' | 'secondary' | 'success' | 'warning' | 'destructive' | 'outline';

/** Where a row stands, for a badge: scheduled, recorded by a dry run, being deleted, finished. */
export function statusOf(
	row: Pick<QueueRow, 'status' | 'dry_run_at' | 'due_at'> & Partial<Pick<QueueRow, 'waiting'>>,
	now: number = Date.now()
): { label: string; tone: StatusTone } {
	switch (row.status) {
		case 'scheduled':
			// The deleter looked last and held it back (why: `waiting`): newer than any dry-run record.
			if (row.waiting) return { label: 'Waiting', tone: 'warning' };
			if (row.dry_run_at) return { label: 'Would delete (dry run)', tone: 'warning' };
			return Date.parse(row.due_at) <= now
				? { label: 'Due', tone: 'default' }
				: { label: 'Scheduled', tone: 'secondary' };
		case 'executing':
			return { label: 'Deleting now', tone: 'default' };
		case 'unknown':
			return { label: 'Checking the outcome', tone: 'warning' };
		case 'deleted':
			return { label: 'Deleted', tone: 'success' };
		case 'failed':
			return { label: 'Failed', tone: 'destructive' };
		case 'cancelled':
			return { label: 'Cancelled', tone: 'outline' };
		default:
			return { label: row.status, tone: 'outline' };
	}
}

/** Only a scheduled row is still the owner's to cancel, postpone or run now. */
export function changeable(row: Pick<QueueRow, 'status'>): boolean {
	return row.status === 'scheduled';
}

export const AUDIT_EVENTS: readonly { value: AuditEvent; label: string; tone: StatusTone }[] = [
	{ value: 'queued', label: 'Queued', tone: 'secondary' },
	{ value: 'skipped', label: 'Waiting', tone: 'warning' },
	{ value: 'postponed', label: 'Postponed', tone: 'secondary' },
	{ value: 'run_now', label: 'Run now', tone: 'secondary' },
	{ value: 'cancelled', label: 'Cancelled', tone: 'outline' },
	{ value: 'dry_run', label: 'Dry run: would delete', tone: 'warning' },
	{ value: 'executed', label: 'Deleted on the server', tone: 'default' },
	{ value: 'verified', label: 'Verified gone', tone: 'success' },
	{ value: 'failed', label: 'Failed', tone: 'destructive' },
	{ value: 'unknown', label: 'Outcome unknown', tone: 'warning' },
	{ value: 'went_live', label: 'Left dry-run', tone: 'destructive' },
	{ value: 'went_dry_run', label: 'Back to dry-run', tone: 'secondary' },
	{ value: 'vanish_confirmed', label: 'Vanish confirmed', tone: 'warning' },
	{ value: 'vanish_dismissed', label: 'Vanish dismissed', tone: 'secondary' }
];

export function eventInfo(event: string): { label: string; tone: StatusTone } {
	return AUDIT_EVENTS.find((e) => e.value === event) ?? { label: event, tone: 'outline' };
}

/** The checks the deleter recorded in an audit event (`details.checks`), when there are any. */
export interface Check {
	check: string;
	ok: boolean;
	verdict: string;
}

const CHECK_NAMES: Record<string, string> = {
	kill_switch: 'Kill switches',
	allowlist: 'Allowlists',
	fingerprint: 'Same file as queued',
	sync: 'Recent complete sync',
	watched: 'Watched by everyone assigned',
	caps: 'Caps',
	keeps_a_copy: 'Group keeps a copy',
	version_only: 'Only this version',
	server_allows: 'Server allows deletion',
	dry_run: 'Dry-run'
};

export function checksOf(details: Record<string, unknown>): (Check & { name: string })[] {
	const raw = details.checks;
	if (!Array.isArray(raw)) return [];
	return raw
		.filter(
			(c): c is Check =>
				typeof c === 'object' &&
				c !== null &&
				typeof (c as Check).check === 'string' &&
				typeof (c as Check).ok === 'boolean'
		)
		.map((c) => ({
			...c,
			verdict: typeof c.verdict === 'string' ? c.verdict : '',
			name: CHECK_NAMES[c.check] ?? c.check
		}));
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * How long until a row is due, down to the second in its last hour: "in 2 d 4 h", "in 5 h 12 min",
 * "in 12 min 05 s", "in 40 s"; "due now" once the time has passed.
 */
export function countdown(dueIso: string, now: number = Date.now()): string {
	const due = Date.parse(dueIso);
	if (Number.isNaN(due)) return '—';
	const s = Math.ceil((due - now) / 1000);
	if (s <= 0) return 'due now';
	const d = Math.floor(s / 86400);
	const h = Math.floor((s % 86400) / 3600);
	const m = Math.floor((s % 3600) / 60);
	const sec = s % 60;
	if (d > 0) return `in ${d} d ${h} h`;
	if (h > 0) return `in ${h} h ${m} min`;
	if (m > 0) return `in ${m} min ${pad(sec)} s`;
	return `in ${sec} s`;
}

/** "24 hours", "3 days", "1 day 6 hours": a delay in hours as a person says it. */
export function hoursText(hours: number): string {
	const d = Math.floor(hours / 24);
	const h = hours % 24;
	const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
	if (d === 0) return part(h, 'hour');
	return h ? `${part(d, 'day')} ${part(h, 'hour')}` : part(d, 'day');
}

/** The postpone choices offered (hours). */
export const POSTPONE_CHOICES: readonly { hours: number; label: string }[] = [
	{ hours: 24, label: '1 day' },
	{ hours: 72, label: '3 days' },
	{ hours: 168, label: '1 week' },
	{ hours: 336, label: '2 weeks' },
	{ hours: 720, label: '30 days' }
];

/** What queueing did, in a sentence or two: how many were queued and when they are due. */
export function queuedMessage(
	result: {
		created: number;
		already_queued: number;
		rows: { due_at: string }[];
		skipped?: { title: string; why: string }[];
	},
	when: (iso: string) => string
): string {
	const parts: string[] = [];
	const due = result.rows.map((r) => r.due_at).sort()[0];
	const n = (k: number) => (k === 1 ? '1 item' : `${k} items`);
	if (result.created)
		parts.push(`Queued ${n(result.created)} for deletion${due ? `, due ${when(due)}` : ''}.`);
	else parts.push('Nothing new was queued.');
	if (result.already_queued)
		parts.push(
			`${n(result.already_queued)} ${result.already_queued === 1 ? 'was' : 'were'} already queued.`
		);
	if (result.skipped?.length)
		parts.push(`Left out: ${result.skipped.map((s) => `${s.title} (${s.why})`).join('; ')}.`);
	parts.push('Cancel, keep or postpone them in Deletions → Queue.');
	return parts.join(' ');
}

/** One person's watch answer as a watch-based decision recorded it (`details.people`). */
export interface RecordedEvidence {
	name: string;
	state: 'watched' | 'not_watched' | 'unknown';
	at: string | null;
	why: string;
}

const WATCH_STATES = new Set(['watched', 'not_watched', 'unknown']);

/**
 * What a watch-based decision rested on, from an audit event's details: the rule's sentence
 * (`details.why`) and each assigned person's answer (`details.people`). Empty for other events.
 */
export function evidenceOf(details: Record<string, unknown>): {
	why: string | null;
	people: RecordedEvidence[];
} {
	const why = typeof details.why === 'string' && details.why ? details.why : null;
	const raw = Array.isArray(details.people) ? (details.people as unknown[]) : [];
	const people = raw
		.filter(
			(p): p is Record<string, unknown> =>
				typeof p === 'object' &&
				p !== null &&
				typeof (p as Record<string, unknown>).name === 'string' &&
				WATCH_STATES.has((p as Record<string, unknown>).state as string)
		)
		.map((p) => ({
			name: p.name as string,
			state: p.state as RecordedEvidence['state'],
			at: typeof p.at === 'string' ? p.at : null,
			why: typeof p.why === 'string' ? p.why : ''
		}));
	return { why, people };
}
