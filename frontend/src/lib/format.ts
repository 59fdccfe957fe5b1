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
