/** Pure helpers for sync runs: merging live events, progress fractions, labels. */
import type { SourceProgress, SyncRun } from '$lib/api/types';
import type { BadgeVariant } from '$lib/components/ui/badge';

export const ACTIVE_STATUSES = ['queued', 'running'] as const;
const TERMINAL_SOURCE = new Set(['complete', 'partial', 'failed', 'cancelled']);

export function isActive(run: Pick<SyncRun, 'status'> | null | undefined): boolean {
	return !!run && (ACTIVE_STATUSES as readonly string[]).includes(run.status);
}

/** A `progress` event from `GET /api/v1/sync/events` (published by the worker). */
export interface ProgressEvent {
	run_id: string;
	phase?: string | null;
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

/** Fraction done of one source (0..1), or null when the total is not known yet. */
export function sourceFraction(s: SourceProgress): number | null {
	if (TERMINAL_SOURCE.has(s.status)) return 1;
	if (s.total && s.total > 0) return Math.min(1, Math.max(0, s.items / s.total));
	if (s.total === 0) return s.status === 'running' ? 0 : null;
	return null;
}

/**
 * Fraction done of the whole run (0..1), or null when nothing is measurable yet (show an
 * indeterminate bar). Sources without a known total count as 0 until they finish; an active run
 * never reports 100%.
 */
export function runFraction(run: Pick<SyncRun, 'status' | 'sources'>): number | null {
	if (!isActive(run)) return 1;
	const sources = Object.values(run.sources ?? {});
	if (sources.length === 0) return null;
	const fractions = sources.map(sourceFraction);
	if (fractions.every((f) => f === null)) return null;
	const sum = fractions.reduce<number>((acc, f) => acc + (f ?? 0), 0);
	return Math.min(0.99, sum / sources.length);
}

export function percent(fraction: number | null): number | null {
	return fraction === null ? null : Math.round(fraction * 100);
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

const TRIGGERS: Record<string, string> = {
	manual: 'Refresh',
	schedule: 'Scheduled',
	scheduled: 'Scheduled',
	connection: 'New connection',
	recovery: 'Recovery'
};

export function triggerLabel(trigger: string): string {
	return TRIGGERS[trigger] ?? trigger.charAt(0).toUpperCase() + trigger.slice(1);
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
