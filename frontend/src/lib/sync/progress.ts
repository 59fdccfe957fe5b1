/** Pure helpers for sync runs: merging live events, progress as the API measures it, labels. */
import type { SourceProgress, SyncRun } from '$lib/api/types';
import type { BadgeVariant } from '$lib/components/ui/badge';
import { relativeTime, sentence } from '$lib/format';

export const ACTIVE_STATUSES = ['queued', 'running'] as const;
const TERMINAL_SOURCE = new Set(['complete', 'partial', 'failed', 'cancelled']);

export function isActive(run: Pick<SyncRun, 'status'> | null | undefined): boolean {
	return !!run && (ACTIVE_STATUSES as readonly string[]).includes(run.status);
}

/** A `progress` event from `GET /api/v1/sync/events` (published by the worker). */
export interface ProgressEvent {
	run_id: string;
	phase?: string | null;
	percent?: number | null;
	items?: number;
	upstream_requests?: number;
	sources?: Record<string, SourceProgress>;
	status?: SyncRun['status'];
	finished?: boolean;
	at?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Narrow an untrusted `progress` payload. */
export function asProgressEvent(v: unknown): ProgressEvent | null {
	if (!isRecord(v) || typeof v.run_id !== 'string') return null;
	return v as unknown as ProgressEvent;
}

/** Narrow an untrusted `snapshot` payload (a full run, or null when the account has none). */
export function asRun(v: unknown): SyncRun | null {
	if (!isRecord(v) || typeof v.id !== 'string' || typeof v.status !== 'string') return null;
	return v as unknown as SyncRun;
}

/**
 * Merge a progress event into the run it belongs to. Returns `null` when the event is for
 * another run (the caller should fetch that one).
 */
export function applyProgress(run: SyncRun, ev: ProgressEvent): SyncRun | null {
	if (ev.run_id !== run.id) return null;
	const next: SyncRun = { ...run };
	if (ev.phase !== undefined) next.phase = ev.phase;
	if (ev.percent !== undefined) next.percent = ev.percent;
	if (typeof ev.items === 'number') next.items = ev.items;
	if (typeof ev.upstream_requests === 'number') next.upstream_requests = ev.upstream_requests;
	if (ev.sources) next.sources = ev.sources;
	if (ev.finished && ev.status) {
		next.status = ev.status;
		next.finished_at ??= ev.at ?? new Date().toISOString();
	} else if (next.status === 'queued') {
		next.status = 'running';
	}
	return next;
}

/**
 * How far a run is, 0..100, or null for an indeterminate bar. The API measures it (weighed by each
 * server's size, never lower than before: `sync/gauge.py`); a run that ended is 100.
 */
export function runPercent(run: Pick<SyncRun, 'status' | 'percent'>): number | null {
	return isActive(run) ? (run.percent ?? null) : 100;
}

/** How far one server is, 0..100, or null while unknown (the API measures it too). */
export function sourcePercent(s: Pick<SourceProgress, 'status' | 'percent'>): number | null {
	if (TERMINAL_SOURCE.has(s.status)) return 100;
	if (s.status === 'pending') return 0;
	return s.percent ?? null;
}

function higher(a: number | null | undefined, b: number | null | undefined): number | null {
	if (a === null || a === undefined) return b ?? null;
	if (b === null || b === undefined) return a;
	return Math.max(a, b);
}

/**
 * `next` as the app should show it after `prev`: the same run's percentages never drop, whatever
 * order the stream, a poll and a snapshot answer in (each is a reading of one high-water mark, but
 * an older reading can land after a newer one).
 */
export function keepProgress(prev: SyncRun | null, next: SyncRun | null): SyncRun | null {
	if (!prev || !next || prev.id !== next.id || !isActive(next)) return next;
	// A server an older reading had (the queued run's empty list can land after the first event)
	// stays listed.
	const sources: SyncRun['sources'] = { ...prev.sources };
	for (const [key, s] of Object.entries(next.sources ?? {})) {
		const before = prev.sources?.[key];
		sources[key] = before ? { ...s, percent: higher(before.percent, s.percent) } : s;
	}
	return { ...next, percent: higher(prev.percent, next.percent), sources };
}

/** The servers of a run in the order it reads them (a stored run's keys come back in any order). */
export function orderedSources(run: Pick<SyncRun, 'sources'>): [string, SourceProgress][] {
	return Object.entries(run.sources ?? {}).sort(
		([ka, a], [kb, b]) =>
			(a.position ?? 0) - (b.position ?? 0) || a.name.localeCompare(b.name) || ka.localeCompare(kb)
	);
}

export interface StatusStyle {
	label: string;
	variant: BadgeVariant;
}

const STATUS: Record<string, StatusStyle> = {
	queued: { label: 'Queued', variant: 'secondary' },
	pending: { label: 'Waiting', variant: 'secondary' },
	running: { label: 'Running', variant: 'default' },
	complete: { label: 'Done', variant: 'success' },
	partial: { label: 'Partial', variant: 'warning' },
	failed: { label: 'Failed', variant: 'destructive' },
	cancelled: { label: 'Cancelled', variant: 'outline' }
};

export function statusStyle(status: string): StatusStyle {
	return STATUS[status] ?? { label: status, variant: 'outline' };
}

/**
 * What started a run, as the history and the sync panel say it: "Refresh", "Full refresh",
 * "Daily schedule", "Adding Home Server", "Reading Home Server again".
 */
export function triggerLabel(
	run: Pick<SyncRun, 'trigger' | 'full'> & { trigger_server?: string | null }
): string {
	const server = run.trigger_server || 'a server';
	switch (run.trigger) {
		case 'manual':
			return run.full ? 'Full refresh' : 'Refresh';
		case 'schedule':
			return 'Daily schedule';
		case 'connection':
			return `Adding ${server}`;
		case 'vanish':
			return `Reading ${server} again`;
		default: {
			const other: string = run.trigger;
			return other.charAt(0).toUpperCase() + other.slice(1);
		}
	}
}

/** "0.4 s", "12 s", "3 m 05 s", "1 h 02 m". */
export function formatDuration(seconds: number | null | undefined): string {
	if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
	if (seconds < 10) return `${seconds.toFixed(1)} s`;
	const s = Math.round(seconds);
	if (s < 60) return `${s} s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
	return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

/** "items / total" (or just items) for a source. */
export function sourceCount(s: SourceProgress): string {
	const n = s.items.toLocaleString('en-US');
	return s.total !== null && s.total !== undefined
		? `${n} / ${s.total.toLocaleString('en-US')}`
		: n;
}

/** "now", "5m", "3h", "2d": the phone's top bar has room for little. */
export function compactAgo(iso: string | null | undefined, now: number = Date.now()): string {
	if (!iso) return '—';
	const t = Date.parse(iso);
	if (Number.isNaN(t)) return '—';
	const s = Math.max(0, Math.round((now - t) / 1000));
	if (s < 60) return 'now';
	if (s < 3600) return `${Math.floor(s / 60)}m`;
	if (s < 86400) return `${Math.floor(s / 3600)}h`;
	return `${Math.floor(s / 86400)}d`;
}

/**
 * Why a run failed, short enough for the top bar: its first reason ("Jellyseerr: HTTP 500 …"), cut
 * at a word near `max` characters. The panel and the hover title carry the whole text.
 */
export function shortReason(error: string | null | undefined, max = 80): string | null {
	const first = error?.split('; ')[0]?.trim();
	if (!first) return null;
	if (first.length <= max) return first;
	const cut = first.slice(0, max - 1);
	const space = cut.lastIndexOf(' ');
	return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

export type SyncState =
	'loading' | 'never' | 'queued' | 'running' | 'complete' | 'partial' | 'failed' | 'cancelled';

export interface SyncSummary {
	state: SyncState;
	/** What the top bar says: "Synced 5 minutes ago", "Syncing 42%", "Sync failed". */
	text: string;
	/** The same for a phone: "5m ago", "42%", "Failed". */
	short: string;
	/** The run's percentage (null: unknown, or no run going). */
	percent: number | null;
}

/** The top bar's sync indicator: where syncing stands, in a few words. */
export function summarize(
	run: SyncRun | null,
	opts: { loaded: boolean; servers: number | null; now?: number }
): SyncSummary {
	const now = opts.now ?? Date.now();
	if (!run) {
		if (!opts.loaded) return { state: 'loading', text: 'Checking…', short: '…', percent: null };
		return opts.servers === 0
			? {
					state: 'never',
					text: 'Never synced · nothing connected',
					short: 'Not connected',
					percent: null
				}
			: { state: 'never', text: 'Never synced', short: 'Never synced', percent: null };
	}
	const when = run.finished_at ?? run.created_at;
	const ago = compactAgo(when, now);
	const agoShort = ago === 'now' ? 'just now' : `${ago} ago`;
	switch (run.status) {
		case 'queued':
			return { state: 'queued', text: 'Sync queued', short: 'Queued', percent: null };
		case 'running': {
			const p = run.percent ?? null;
			return p === null
				? { state: 'running', text: 'Syncing…', short: 'Syncing', percent: null }
				: { state: 'running', text: `Syncing ${p}%`, short: `${p}%`, percent: p };
		}
		case 'complete':
			return {
				state: 'complete',
				text: `Synced ${relativeTime(when, now)}`,
				short: agoShort,
				percent: null
			};
		case 'partial':
			return {
				state: 'partial',
				text: `Partly synced ${relativeTime(when, now)}`,
				short: 'Partial',
				percent: null
			};
		case 'failed':
			return { state: 'failed', text: 'Sync failed', short: 'Failed', percent: null };
		case 'cancelled':
			return { state: 'cancelled', text: 'Sync cancelled', short: 'Cancelled', percent: null };
		default:
			return {
				state: 'never',
				text: sentence(run.status),
				short: sentence(run.status),
				percent: null
			};
	}
}
