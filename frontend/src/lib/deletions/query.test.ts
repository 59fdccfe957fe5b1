import { describe, expect, it } from 'vitest';
import {
	AUDIT,
	HISTORY,
	QUEUE,
	auditExportQuery,
	auditQuery,
	changeList,
	emptyState,
	historyQuery,
	isFiltered,
	queueQuery,
	readList,
	since,
	writeList
} from './query';

const ID = '8951939c-738a-4217-bbef-358cf50ac9cf';
const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('list state in the URL', () => {
	it('round-trips every filter a list offers', () => {
		const state = {
			...emptyState(),
			page: 3,
			pageSize: 100,
			q: 'alien',
			server: ID,
			status: 'executing',
			reason: 'duplicate'
		};
		const qs = writeList(state, QUEUE);
		expect(qs).toBe(`q=alien&server=${ID}&status=executing&reason=duplicate&size=100&page=3`);
		expect(readList(new URLSearchParams(qs), QUEUE)).toEqual(state);
	});
	it('ignores values a list does not offer and malformed ones', () => {
		const params = new URLSearchParams(
			'status=deleted&reason=stale&event=queued&period=7d&server=nope&page=0&size=7&q=' +
				'x'.repeat(300)
		);
		const queue = readList(params, QUEUE);
		expect(queue.status).toBe(''); // deleted is the history's
		expect(queue.reason).toBe('stale');
		expect([queue.event, queue.period, queue.server]).toEqual(['', '', '']);
		expect([queue.page, queue.pageSize, queue.q.length]).toEqual([1, 50, 200]);
		const history = readList(params, HISTORY);
		expect([history.status, history.period, history.reason]).toEqual(['deleted', '7d', '']);
		expect(readList(params, AUDIT).event).toBe('queued');
		expect(writeList(emptyState(), AUDIT)).toBe('');
	});
	it('goes back to page 1 when filters change', () => {
		const state = { ...emptyState(), page: 4 };
		expect(changeList(state, { status: 'dry_run' })).toMatchObject({ page: 1, status: 'dry_run' });
		expect(changeList(state, { page: 5 }).page).toBe(5);
		expect(isFiltered(emptyState())).toBe(false);
		expect(isFiltered({ ...emptyState(), period: '30d' })).toBe(true);
	});
});

describe('API queries', () => {
	it('sends only the filters set, and periods as a start time', () => {
		expect(queueQuery(emptyState())).toEqual({
			page: 1,
			page_size: 50,
			status: undefined,
			reason: undefined
		});
		const state = { ...emptyState(), server: ID, status: 'dry_run', period: '7d', q: 'x' };
		expect(historyQuery(state, NOW)).toEqual({
			page: 1,
			page_size: 50,
			q: 'x',
			connection_id: ID,
			status: 'dry_run',
			since: '2026-11-24T12:00:00.000Z'
		});
		expect(since('', NOW)).toBeUndefined();
		expect(since('24h', NOW)).toBe('2026-11-30T12:00:00.000Z');
		const audit = { ...emptyState(), event: 'verified', page: 2 };
		expect(auditQuery(audit, NOW)).toMatchObject({ page: 2, event: 'verified' });
		expect(auditExportQuery(audit, NOW)).toEqual({
			q: undefined,
			connection_id: undefined,
			event: 'verified',
			since: undefined
		});
	});
});
