/** Pure helpers for the dashboard: card labels, byte sizes, chart data and its text alternative. */
import type { components } from '$lib/api/schema';
import { bytes, GB } from '$lib/format';

export type Dashboard = components['schemas']['Dashboard'];
export type ReportCard = components['schemas']['ReportCard'];
export type LibraryStorage = components['schemas']['LibraryStorage'];
export type AgeBucket = components['schemas']['AgeBucket'];

export interface CardInfo {
	title: string;
	/** What the count counts ("3 groups"). */
	unit: [one: string, many: string];
	description: string;
}

const CARDS: Record<string, CardInfo> = {
	duplicates: {
		title: 'Duplicates',
		unit: ['group', 'groups'],
		description: 'Titles with more than one copy; reclaimable keeps the best copy of each.'
	},
	stale: {
		title: 'Stale content',
		unit: ['item', 'items'],
		description: 'Nothing watched for longer than your stale threshold.'
	},
	large: {
		title: 'Large movies',
		unit: ['movie', 'movies'],
		description: 'Movies above your size threshold.'
	},
	languages: {
		title: 'Language issues',
		unit: ['item', 'items'],
		description: 'Missing a required audio or subtitle language.'
	},
	requests: {
		title: 'Requests',
		unit: ['request', 'requests'],
		description:
			'Jellyseerr requests waiting for approval, not available yet, failed, or gone (deleted or blocklisted after they were available).'
	},
	'recently-available': {
		title: 'Recently available',
		unit: ['title', 'titles'],
		description: 'Requests and library titles that became available within your recent window.'
	}
};

/** Labels for a report card; unknown reports (added later on the server) still get a readable one. */
export function cardInfo(report: string): CardInfo {
	return (
		CARDS[report] ?? {
			title: report.charAt(0).toUpperCase() + report.slice(1).replace(/-/g, ' '),
			unit: ['item', 'items'],
			description: ''
		}
	);
}

/** The overlapping filters a card counts apart, in the order they are read, in plain words. */
const BREAKDOWN: [key: string, words: string][] = [
	['unavailable', 'not available yet'],
	['stuck', 'stuck'],
	['failed', 'failed'],
	['gone', 'gone'],
	['future_dates', 'dated in the future']
];

/** "5 not available yet · 1 stuck · 2 gone" (non-zero filters only); '' when there is nothing to add. */
export function breakdownText(card: ReportCard): string {
	const counts = card.breakdown ?? {};
	return BREAKDOWN.filter(([key]) => (counts[key] ?? 0) > 0)
		.map(([key, words]) => `${(counts[key] ?? 0).toLocaleString('en-US')} ${words}`)
		.join(' · ');
}

export function reportHref(report: string): string {
	return `/reports/${encodeURIComponent(report)}`;
}

export function totalReclaimable(cards: ReportCard[]): number {
	// Duplicates, stale and large can overlap (a stale large movie), so this is "up to".
	return cards.reduce((n, c) => n + (c.reclaimable_bytes ?? 0), 0);
}

export interface StoragePoint {
	/** Unique label for the band: library, plus the server when two libraries share a name. */
	label: string;
	library: string;
	server: string;
	items: number;
	bytes: number;
	gb: number;
}

/** Libraries by size, largest first; `limit` keeps the biggest and folds the rest into "Other". */
export function storageSeries(storage: LibraryStorage[], limit = 8): StoragePoint[] {
	const names = new Map<string, number>();
	for (const s of storage) names.set(s.library, (names.get(s.library) ?? 0) + 1);
	const points = [...storage]
		.sort((a, b) => b.size_bytes - a.size_bytes || a.library.localeCompare(b.library))
		.map((s) => ({
			label: (names.get(s.library) ?? 0) > 1 ? `${s.library} (${s.server})` : s.library,
			library: s.library,
			server: s.server,
			items: s.items,
			bytes: s.size_bytes,
			gb: s.size_bytes / GB
		}));
	if (points.length <= limit) return points;
	const rest = points.slice(limit - 1);
	const other = rest.reduce(
		(o, p) => ({ ...o, items: o.items + p.items, bytes: o.bytes + p.bytes, gb: o.gb + p.gb }),
		{
			label: `${rest.length} other libraries`,
			library: 'Other',
			server: '',
			items: 0,
			bytes: 0,
			gb: 0
		}
	);
	return [...points.slice(0, limit - 1), other];
}

export interface AgePoint {
	label: string;
	count: number;
}

/** The API sends the buckets oldest first, after "never watched"; the chart keeps that order. */
export function ageSeries(buckets: AgeBucket[]): AgePoint[] {
	return buckets.map((b) => ({
		label: b.label.charAt(0).toUpperCase() + b.label.slice(1),
		count: b.count
	}));
}

export function hasData(points: { bytes?: number; count?: number }[]): boolean {
	return points.some((p) => (p.bytes ?? p.count ?? 0) > 0);
}

/** One-sentence summary for screen readers (the full figures are in a hidden table too). */
export function storageSummary(points: StoragePoint[]): string {
	if (!points.length) return 'No libraries yet.';
	const total = points.reduce((n, p) => n + p.bytes, 0);
	const top = points
		.slice(0, 3)
		.map((p) => `${p.label} ${bytes(p.bytes)}`)
		.join(', ');
	return `Storage by library: ${bytes(total)} in ${points.length} ${points.length === 1 ? 'library' : 'libraries'}; largest: ${top}.`;
}

export function ageSummary(points: AgePoint[]): string {
	const total = points.reduce((n, p) => n + p.count, 0);
	if (!total) return 'No stale items.';
	const parts = points
		.filter((p) => p.count > 0)
		.map((p) => `${p.label.toLowerCase()}: ${p.count}`);
	return `Stale items by time since last watched, ${total} in all: ${parts.join(', ')}.`;
}

/**
 * Whether there are figures to show: a sync has finished, or one is running again over items an
 * earlier sync already read (the API only reports the latest run).
 */
export function hasSyncedData(dash: Dashboard): boolean {
	// The server lists nothing from half-read libraries while the first sync runs.
	if (dash.first_sync_running) return false;
	const last = dash.last_sync;
	if (!last) return false;
	if (last.status !== 'queued' && last.status !== 'running') return true;
	return dash.storage.some((s) => s.items > 0);
}
