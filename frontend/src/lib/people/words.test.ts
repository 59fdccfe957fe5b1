import { describe, expect, it } from 'vitest';
import type { EpisodeStatus, ServerAccount, WatchState } from '$lib/api/types';
import { itemHref, itemFilter, readItem } from './library';
import {
	assignedMessage,
	bySeason,
	dayOf,
	endWords,
	healthProblems,
	queueWords,
	serverLabel,
	serversOf,
	stateWords,
	unknownNotes,
	watchedByAll
} from './words';
import { defaultState } from '$lib/reports/query';
import { LIBRARY } from './library';

function account(over: Partial<ServerAccount> = {}): ServerAccount {
	return {
		remote_user_id: 'r1',
		connection_id: 'c1',
		server: 'Home Server',
		server_kind: 'plex',
		role: 'friend',
		name: 'alice',
		email: null,
		linked_by: 'auto',
		watch_problem: null,
		...over
	};
}

function person(name: string, state: WatchState['state'], why = ''): WatchState {
	return {
		person_id: name,
		name,
		state,
		at: state === 'watched' ? '2026-11-20T10:00:00Z' : null,
		why
	};
}

function episode(label: string, people: WatchState[]): EpisodeStatus {
	return { upstream_id: label, label, title: label, people };
}

describe('watch health in plain words', () => {
	it('names each untrusted account and why, as a sentence', () => {
		const problems = healthProblems({
			accounts: [
				account(),
				account({
					server: 'Jellyfin',
					server_kind: 'jellyfin',
					name: 'alice',
					watch_problem:
						'their watch data on Jellyfin could not be read completely in the last sync (2026-11-20)'
				})
			]
		});
		expect(problems).toEqual([
			{
				where: 'Jellyfin (alice)',
				why: 'Their watch data on Jellyfin could not be read completely in the last sync (2026-11-20).'
			}
		]);
	});
	it('labels servers by kind, with their own name when it says more', () => {
		expect(serverLabel(account())).toBe('Plex · Home Server');
		expect(serverLabel(account({ server: 'jellyfin', server_kind: 'jellyfin' }))).toBe('Jellyfin');
		expect(serversOf({ accounts: [account(), account({ server_kind: 'jellyfin' })] })).toBe(
			'Plex and Jellyfin'
		);
		expect(serversOf({ accounts: [] })).toBe('no server');
	});
});

describe('watch answers', () => {
	it('says watched, not watched or unknown with why', () => {
		expect(stateWords(person('a', 'unknown', 'no account on Home Server'))).toEqual({
			label: 'Unknown',
			tone: 'warning',
			detail: 'No account on Home Server'
		});
		expect(stateWords(person('a', 'not_watched', 'watched 1 of 3 episodes')).label).toBe(
			'Not watched'
		);
		expect(stateWords(person('a', 'watched')).tone).toBe('success');
	});
	it('numbers each unknown reason once, in order', () => {
		const grid = [
			episode('S01E01', [person('bob', 'unknown', 'x'), person('eve', 'watched')]),
			episode('S01E02', [person('bob', 'unknown', 'x'), person('eve', 'unknown', 'y')])
		];
		expect([...unknownNotes(grid)]).toEqual([
			['bob: x', 1],
			['eve: y', 2]
		]);
	});
	it('groups episodes by season and counts those everyone watched', () => {
		const grid = [
			episode('S01E01', [person('a', 'watched'), person('b', 'watched')]),
			episode('S01E02', [person('a', 'watched'), person('b', 'not_watched')]),
			episode('S02E01', [])
		];
		const seasons = bySeason(grid);
		expect(seasons.map((s) => [s.season, s.episodes.length])).toEqual([
			[1, 2],
			[2, 1]
		]);
		expect(watchedByAll(seasons[0]!.episodes)).toBe(1);
		// Nobody assigned is not "everyone watched".
		expect(watchedByAll(seasons[1]!.episodes)).toBe(0);
	});
});

describe('queue and assignment words', () => {
	const now = Date.parse('2026-11-22T12:00:00Z');
	it('says when a queued item goes', () => {
		const row = { status: 'scheduled', due_at: '2026-11-23T12:00:00Z', dry_run_at: null };
		expect(queueWords(row, now)).toBe('Queued · due tomorrow');
		expect(queueWords({ ...row, due_at: '2026-11-22T18:00:00Z' }, now)).toBe(
			'Queued · due in 6 hours'
		);
		expect(queueWords({ ...row, due_at: '2026-11-22T11:00:00Z' }, now)).toBe('Queued · due now');
		expect(queueWords({ ...row, status: 'executing' }, now)).toBe('Being deleted now');
	});
	it('reports what an assignment changed', () => {
		expect(assignedMessage(2, 0, '“Dune”')).toBe('Assigned to “Dune”: 2 new assignments.');
		expect(assignedMessage(1, 1, '3 items')).toBe(
			'Assigned to 3 items: 1 new assignment, 1 end date changed.'
		);
		expect(assignedMessage(0, 0, '“Dune”')).toContain('Nothing changed');
	});
	it('words the end of an assignment', () => {
		expect(endWords(null, true)).toBe('No end date');
		expect(endWords('2026-12-31T22:59:59Z', true)).toMatch(/^Until /);
		expect(endWords('2026-01-02T10:00:00Z', false)).toMatch(/^Ended /);
		expect(dayOf(new Date(2026, 11, 31, 23, 59, 59).toISOString())).toBe('2026-12-31');
		expect(dayOf(null)).toBe('');
	});
});

describe('the library table state', () => {
	const c = '0b3e4c2a-1111-4222-8333-944445555666';
	it('turns the table filters into the API filter', () => {
		const state = { ...defaultState(LIBRARY), q: 'dune', connection: c, filter: 'show' };
		expect(itemFilter(state)).toEqual({ q: 'dune', connection_id: c, kind: 'show' });
		expect(itemFilter(defaultState(LIBRARY))).toEqual({});
	});
	it('keeps the open item in the URL, refusing garbage', () => {
		const href = itemHref({ connection_id: c, upstream_id: '1042' });
		expect(readItem(new URL(href, 'http://x').searchParams)).toEqual({
			connection_id: c,
			upstream_id: '1042'
		});
		for (const bad of ['', 'x:1', `${c}:`, ':12', `${c}:${'9'.repeat(101)}`])
			expect(readItem(new URLSearchParams({ item: bad }))).toBeNull();
	});
});
