/**
 * People, assignments and watch status in plain words: what a role is, why a person's answers are
 * unknown and what that means, what a watch answer or a queued deletion says. Pure functions only.
 */
import type { EpisodeStatus, Person, QueueRow, ServerAccount, WatchState } from '$lib/api/types';
import { kindLabel } from '$lib/connections/kinds';
import { plural, relativeTime, sentence, shortDate } from '$lib/format';

const ROLE_LABEL: Record<string, string> = {
	owner: 'Owner',
	home: 'Plex Home',
	friend: 'Friend',
	user: 'User'
};

export function roleLabel(role: string): string {
	return ROLE_LABEL[role] ?? sentence(role);
}

/** "Plex · Home Server" (the server's own name after its kind, unless they say the same). */
export function serverLabel(a: Pick<ServerAccount, 'server' | 'server_kind'>): string {
	const kind = kindLabel(a.server_kind);
	return a.server && a.server.toLowerCase() !== kind.toLowerCase() ? `${kind} · ${a.server}` : kind;
}

/** What untrusted watch data means, said once under the reasons. */
export const UNKNOWN_MEANS =
	'Until this clears, their answers are unknown: nothing they are assigned to is queued for deletion.';

export interface HealthProblem {
	/** "Jellyfin (alice)" */
	where: string;
	/** "Their watch data on Jellyfin could not be read completely in the last sync (2026-11-20)." */
	why: string;
}

/** Each of a person's server accounts whose watch data cannot be trusted now, with why. */
export function healthProblems(person: Pick<Person, 'accounts'>): HealthProblem[] {
	return person.accounts
		.filter((a) => a.watch_problem)
		.map((a) => ({
			where: `${serverLabel(a)} (${a.name})`,
			why: endSentence(sentence(a.watch_problem ?? ''))
		}));
}

function endSentence(s: string): string {
	return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** "Plex and Jellyfin", "Plex", "Plex, Jellyfin and Emby". */
export function serversOf(person: Pick<Person, 'accounts'>): string {
	const kinds = [...new Set(person.accounts.map((a) => kindLabel(a.server_kind)))];
	if (kinds.length <= 1) return kinds[0] ?? 'no server';
	return `${kinds.slice(0, -1).join(', ')} and ${kinds.at(-1)}`;
}

export type StateTone = 'success' | 'secondary' | 'warning';

/** A watch answer: short label, badge tone, and the sentence behind it. */
export function stateWords(s: Pick<WatchState, 'state' | 'at' | 'why'>): {
	label: string;
	tone: StateTone;
	detail: string;
} {
	if (s.state === 'watched')
		return { label: 'Watched', tone: 'success', detail: s.at ? shortDate(s.at) : s.why };
	if (s.state === 'unknown') return { label: 'Unknown', tone: 'warning', detail: sentence(s.why) };
	return { label: 'Not watched', tone: 'secondary', detail: sentence(s.why) };
}

/** The unknown reasons of a grid, each once, numbered in order of first appearance (1-based). */
export function unknownNotes(episodes: EpisodeStatus[]): Map<string, number> {
	const notes = new Map<string, number>();
	for (const e of episodes)
		for (const p of e.people)
			if (p.state === 'unknown' && !notes.has(noteText(p))) notes.set(noteText(p), notes.size + 1);
	return notes;
}

/** "alice: no account on Home Server" — the person's name with the reason. */
export function noteText(p: Pick<WatchState, 'name' | 'why'>): string {
	return `${p.name}: ${p.why}`;
}

/** Episodes grouped by season ("S01E02" → season 1), in order. */
export function bySeason(
	episodes: EpisodeStatus[]
): { season: number; episodes: EpisodeStatus[] }[] {
	const out: { season: number; episodes: EpisodeStatus[] }[] = [];
	for (const e of episodes) {
		const season = Number(/^S(\d+)/.exec(e.label)?.[1] ?? 0);
		const last = out.at(-1);
		if (last && last.season === season) last.episodes.push(e);
		else out.push({ season, episodes: [e] });
	}
	return out;
}

/** "Season 1", "Specials" (season 0). */
export function seasonLabel(season: number): string {
	return season === 0 ? 'Specials' : `Season ${season}`;
}

/** How many episodes of a season every assignee has watched (so they may go). */
export function watchedByAll(episodes: EpisodeStatus[]): number {
	return episodes.filter((e) => e.people.length > 0 && e.people.every((p) => p.state === 'watched'))
		.length;
}

/** A queued deletion in a few words: "Queued · due in 23 hours", "Being deleted now"… */
export function queueWords(
	row: Pick<QueueRow, 'status' | 'due_at' | 'dry_run_at'>,
	now = Date.now()
): string {
	if (row.status === 'executing') return 'Being deleted now';
	if (row.status === 'unknown') return 'Deletion being checked';
	if (Date.parse(row.due_at) <= now) return 'Queued · due now';
	return `Queued · due ${relativeTime(row.due_at, now)}`;
}

/** "Assign 2 people" / "Assign 1 person". */
export function assignLabel(people: number): string {
	return people ? `Assign ${plural(people, 'person', 'people')}` : 'Assign';
}

/** What an assignment call did, in a sentence. */
export function assignedMessage(created: number, updated: number, target: string): string {
	if (!created && !updated) return `Nothing changed: they were already assigned to ${target}.`;
	const parts = [];
	if (created) parts.push(`${plural(created, 'new assignment')}`);
	if (updated) parts.push(`${plural(updated, 'end date')} changed`);
	return `Assigned to ${target}: ${parts.join(', ')}.`;
}

/** An assignment's end, for a list: "no end", "until 31 Dec 2026", "ended 2 Jan 2026". */
export function endWords(endsAt: string | null, active: boolean): string {
	if (!endsAt) return 'No end date';
	return active ? `Until ${shortDate(endsAt)}` : `Ended ${shortDate(endsAt)}`;
}

/** A local `YYYY-MM-DD` for a date input, from an ISO time (the day it falls on, here). */
export function dayOf(iso: string | null): string {
	if (!iso) return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return '';
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The kind of a library item, singular: "Movie", "Show". */
export function itemKind(kind: string): string {
	return kind === 'show' ? 'Show' : kind === 'movie' ? 'Movie' : sentence(kind);
}
