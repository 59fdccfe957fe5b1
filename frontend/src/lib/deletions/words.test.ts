import { describe, expect, it } from 'vitest';
import {
	changeable,
	checksOf,
	countdown,
	eventInfo,
	evidenceOf,
	hoursText,
	kindOf,
	queuedMessage,
	statusOf
} from './words';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const at = (seconds: number) => new Date(NOW + seconds * 1000).toISOString();

describe('countdown', () => {
	it('counts down to the second in the last hour and says "due now" once past', () => {
		expect(countdown(at(2 * 86400 + 4 * 3600 + 59), NOW)).toBe('in 2 d 4 h');
		expect(countdown(at(5 * 3600 + 12 * 60 + 30), NOW)).toBe('in 5 h 12 min');
		expect(countdown(at(12 * 60 + 5), NOW)).toBe('in 12 min 05 s');
		expect(countdown(at(40), NOW)).toBe('in 40 s');
		expect(countdown(at(0.4), NOW)).toBe('in 1 s');
		expect(countdown(at(0), NOW)).toBe('due now');
		expect(countdown(at(-3600), NOW)).toBe('due now');
		expect(countdown('garbage', NOW)).toBe('—');
	});
	it('moves on as the clock does', () => {
		const due = at(61);
		expect(countdown(due, NOW)).toBe('in 1 min 01 s');
		expect(countdown(due, NOW + 1000)).toBe('in 1 min 00 s');
		expect(countdown(due, NOW + 2000)).toBe('in 59 s');
	});
});

describe('kindOf', () => {
	it('names watch-based, report and duplicate rows', () => {
		expect(kindOf({ reason: 'watched', media_id: null, origin: 'schedule' }).label).toBe(
			'Watch-based'
		);
		expect(kindOf({ reason: 'stale', media_id: null, origin: 'owner' })).toEqual({
			label: 'From a report',
			detail: 'Stale content'
		});
		expect(kindOf({ reason: 'language', media_id: null, origin: 'owner' }).detail).toBe(
			'Language issues'
		);
		expect(kindOf({ reason: 'duplicate', media_id: null, origin: 'owner' }).label).toBe(
			'Duplicate copy'
		);
		expect(kindOf({ reason: 'duplicate', media_id: '77', origin: 'owner' }).label).toBe(
			'Duplicate version'
		);
	});
});

describe('statusOf', () => {
	const row = { status: 'scheduled', dry_run_at: null, due_at: at(60) };
	it('tells scheduled, due, recorded by a dry run and finished rows apart', () => {
		expect(statusOf(row, NOW).label).toBe('Scheduled');
		expect(statusOf({ ...row, due_at: at(-1) }, NOW).label).toBe('Due');
		expect(statusOf({ ...row, dry_run_at: at(-5) }, NOW)).toEqual({
			label: 'Would delete (dry run)',
			tone: 'warning'
		});
		expect(
			statusOf({ ...row, due_at: at(-1), dry_run_at: at(-9), waiting: 'paused' }, NOW)
		).toEqual({ label: 'Waiting', tone: 'warning' });
		expect(statusOf({ ...row, status: 'executing', waiting: 'paused' }, NOW).label).toBe(
			'Deleting now'
		);
		expect(statusOf({ ...row, status: 'unknown' }, NOW).label).toBe('Checking the outcome');
		expect(statusOf({ ...row, status: 'deleted' }, NOW).tone).toBe('success');
		expect(statusOf({ ...row, status: 'failed' }, NOW).tone).toBe('destructive');
		expect(statusOf({ ...row, status: 'cancelled' }, NOW).label).toBe('Cancelled');
	});
	it('lets the owner change scheduled rows only', () => {
		expect(changeable({ status: 'scheduled' })).toBe(true);
		for (const status of ['executing', 'unknown', 'deleted', 'failed', 'cancelled'])
			expect(changeable({ status })).toBe(false);
	});
});

describe('audit words', () => {
	it('labels every event and keeps unknown ones as they are', () => {
		expect(eventInfo('dry_run').label).toBe('Dry run: would delete');
		expect(eventInfo('verified').tone).toBe('success');
		expect(eventInfo('something_new')).toEqual({ label: 'something_new', tone: 'outline' });
	});
	it('reads the checks the deleter recorded, ignoring malformed ones', () => {
		const checks = checksOf({
			checks: [
				{ check: 'kill_switch', ok: true, verdict: 'off' },
				{ check: 'caps', ok: false, verdict: '25 items per run reached' },
				{ check: 42 },
				'nope'
			]
		});
		expect(checks).toEqual([
			{ check: 'kill_switch', ok: true, verdict: 'off', name: 'Kill switches' },
			{ check: 'caps', ok: false, verdict: '25 items per run reached', name: 'Caps' }
		]);
		expect(checksOf({})).toEqual([]);
	});
	it('says delays as a person would', () => {
		expect(hoursText(1)).toBe('1 hour');
		expect(hoursText(24)).toBe('1 day');
		expect(hoursText(30)).toBe('1 day 6 hours');
		expect(hoursText(72)).toBe('3 days');
	});
});

describe('queuedMessage', () => {
	const when = (iso: string) => iso.slice(0, 10);
	it('says how many were queued, when they are due, and what was left out', () => {
		expect(
			queuedMessage(
				{
					created: 2,
					already_queued: 1,
					rows: [{ due_at: '2026-12-03T10:00:00Z' }, { due_at: '2026-12-02T10:00:00Z' }],
					skipped: [{ title: 'Song B', why: 'it is on your Protected list' }]
				},
				when
			)
		).toBe(
			'Queued 2 items for deletion, due 2026-12-02. 1 item was already queued. Left out: Song B (it is on your Protected list). Cancel, keep or postpone them in Deletions → Queue.'
		);
		expect(queuedMessage({ created: 0, already_queued: 3, rows: [], skipped: [] }, when)).toBe(
			'Nothing new was queued. 3 items were already queued. Cancel, keep or postpone them in Deletions → Queue.'
		);
	});
});

describe('every audit event the API knows has words', () => {
	it('labels each value of the AuditEvent schema', async () => {
		const { EVENTS } = await import('./query');
		const { AUDIT_EVENTS } = await import('./words');
		expect(AUDIT_EVENTS.map((e) => e.value).sort()).toEqual([...EVENTS].sort());
		for (const e of EVENTS) expect(eventInfo(e).label).not.toBe(e);
	});
});

describe('evidenceOf', () => {
	it("reads the rule's sentence and each person's answer", () => {
		const found = evidenceOf({
			rule: 'watched by every assigned person',
			why: 'watched by every assigned person: bob (2026-12-01), carol (2026-12-02)',
			people: [
				{
					person_id: 'p1',
					name: 'bob',
					state: 'watched',
					at: '2026-12-01T20:00:00+00:00',
					why: 'played'
				},
				{ person_id: 'p2', name: 'carol', state: 'unknown', at: null, why: 'no account on Home' }
			]
		});
		expect(found.why).toBe(
			'watched by every assigned person: bob (2026-12-01), carol (2026-12-02)'
		);
		expect(found.people).toEqual([
			{ name: 'bob', state: 'watched', at: '2026-12-01T20:00:00+00:00', why: 'played' },
			{ name: 'carol', state: 'unknown', at: null, why: 'no account on Home' }
		]);
	});

	it('skips what is not a recorded answer, and events without one', () => {
		expect(evidenceOf({ checks: [] })).toEqual({ why: null, people: [] });
		expect(
			evidenceOf({
				why: '',
				people: [{ name: 'x', state: 'maybe' }, null, 'bob', { state: 'watched' }]
			})
		).toEqual({ why: null, people: [] });
	});
});
