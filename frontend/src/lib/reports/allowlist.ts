/** Allowlists as the reports offer them: what each list does, and the bulk-add request. */
import type { ListName } from '$lib/api/types';
import type { ReportSlug } from './catalog';

/**
 * How an entry matches an item, as the reports and deletions apply it (backend allowlists/sql.py,
 * `matches`): by external id on every server; otherwise by server and item id, plus the copies of that
 * file (or show) on the other servers; an entry on a show, by its server and id, covers its episodes.
 * The Allowlists page and the report's "add to allowlist" dialog both say it.
 */
export const MATCH_RULE =
	'An entry matches by its external id (TMDB, IMDb or TVDB) on every server; without one, it matches the item it was added from on that server, and the same file on your other servers; an entry added from a show in your libraries also covers its episodes.';

export interface ListInfo {
	label: string;
	help: string;
	/** How the list changes a report: takes the item out, or lifts some of its rules. */
	effect: Partial<Record<ReportSlug, 'removes' | 'narrows'>>;
}

export const LISTS: Record<ListName, ListInfo> = {
	protected: {
		label: 'Protected',
		help: 'Never reported as stale and never deleted.',
		effect: { stale: 'removes' }
	},
	language_exempt: {
		label: 'Language exempt',
		help: 'No language rule applies (a show covers its episodes).',
		effect: { languages: 'removes' }
	},
	episode_exempt: {
		label: 'Episode exempt',
		help: 'This episode is exempt from the language rules.',
		effect: { languages: 'removes' }
	},
	french_only: {
		label: 'French only',
		help: 'No English audio needed; the other rules still apply.',
		effect: { languages: 'narrows' }
	},
	french_subs_only: {
		label: 'French subtitles only',
		help: 'Only the French subtitle rule applies.',
		effect: { languages: 'narrows' }
	}
};

export interface RowRef {
	connection_id: string;
	upstream_id: string | number;
}

/** A stable key for a row (selection, each-blocks). */
export function rowKey(row: RowRef): string {
	return `${row.connection_id}/${row.upstream_id}`;
}

/**
 * An expiry picked as a date (`2026-12-31`) means "until the end of that day" in the person's time
 * zone. Returns an ISO timestamp, null for no expiry, or an error message (`what` names the date:
 * an assignment's end uses the same rule).
 */
export function expiryIso(
	day: string,
	now: Date = new Date(),
	what = 'The expiry'
): string | null | { error: string } {
	if (!day) return null;
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
	if (!m) return { error: 'Enter a date such as 2026-12-31.' };
	const end = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59);
	if (end.getDate() !== Number(m[3])) return { error: 'That date does not exist.' };
	if (end.getTime() <= now.getTime()) return { error: `${what} must be in the future.` };
	return end.toISOString();
}

/** What the person is told after adding rows to a list. */
export function addedMessage(
	list: ListName,
	added: number,
	already: number,
	report: ReportSlug
): string {
	const info = LISTS[list];
	const n = added === 1 ? '1 item' : `${added} items`;
	let text = `Added ${n} to ${info.label}.`;
	if (already) text += ` ${already} ${already === 1 ? 'was' : 'were'} already listed.`;
	const effect = info.effect[report];
	if (effect === 'removes') return `${text} They leave this report.`;
	if (effect === 'narrows')
		return `${text} They leave this report unless another rule still fails.`;
	return `${text} They stay in this report: the list does not apply to it.`;
}
