/** Small display helpers shared by the connection, library and sync pages. */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
	['year', 365 * 24 * 3600],
	['month', 30 * 24 * 3600],
	['week', 7 * 24 * 3600],
	['day', 24 * 3600],
	['hour', 3600],
	['minute', 60]
];

/** "just now", "5 minutes ago", "in 2 hours"; "never" for null. */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
	if (!iso) return 'never';
	const t = Date.parse(iso);
	if (Number.isNaN(t)) return '—';
	const diff = Math.round((t - now) / 1000);
	const abs = Math.abs(diff);
	if (abs < 45) return 'just now';
	const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
	for (const [unit, secs] of UNITS) {
		if (abs >= secs) return rtf.format(Math.round(diff / secs), unit);
	}
	return rtf.format(Math.round(diff / 60), 'minute');
}

/** A full local date + time for tooltips and tables. */
export function dateTime(iso: string | null | undefined): string {
	if (!iso) return '—';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return '—';
	return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function count(n: number | null | undefined): string {
	return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
	return `${count(n)} ${n === 1 ? one : many}`;
}

/** "starting" → "Starting". */
export function sentence(s: string | null | undefined): string {
	return s ? s.charAt(0).toUpperCase() + s.slice(1) : '';
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** One size unit everywhere, as Plex and Jellyfin show sizes and as the API's texts and thresholds: decimal. */
export const GB = 1e9;

/** Decimal sizes: 1 KB = 1000 bytes, 1 GB = 10^9 bytes; 74948806037 → "74.9 GB". */
export function bytes(n: number | null | undefined): string {
	if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return '—';
	let value = n;
	let unit = 0;
	while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
		value /= 1000;
		unit++;
	}
	const digits = unit === 0 || value >= 100 ? 0 : 1;
	// 999,960 bytes is "1.0 MB", not "1000 KB".
	if (unit > 0 && unit < BYTE_UNITS.length - 1 && Number(value.toFixed(digits)) >= 1000) {
		return `1.0 ${BYTE_UNITS[unit + 1]}`;
	}
	return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** A date without the time: "26 Nov 2022" (local), "—" for null or garbage. */
export function shortDate(iso: string | null | undefined): string {
	if (!iso) return '—';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return '—';
	return d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** 320 → "320 kbps", 57295 → "57.3 Mbps". */
export function bitrate(kbps: number | null | undefined): string {
	if (kbps === null || kbps === undefined) return '—';
	return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbps` : `${kbps} kbps`;
}

/** 201261 ms → "3:21", 3723000 → "1:02:03". */
export function duration(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || ms < 0) return '—';
	const s = Math.round(ms / 1000);
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const sec = String(s % 60).padStart(2, '0');
	return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
