import { describe, expect, it } from 'vitest';
import { emptyReason, type EmptyFacts } from './empty';

const done = [{ status: 'complete' }];
const facts = (f: Partial<EmptyFacts>): EmptyFacts => ({
	source: 'media',
	kinds: ['plex'],
	runs: done,
	filtered: false,
	...f
});

describe('why a report is empty', () => {
	it('no connection at all', () => {
		expect(emptyReason(facts({ kinds: [], runs: [] }))).toBe('no-connection');
		expect(emptyReason(facts({ source: 'seerr', kinds: [] }))).toBe('no-connection');
	});
	it('connections, but none that feeds this report', () => {
		expect(emptyReason(facts({ kinds: ['jellyseerr'] }))).toBe('no-media-server');
		expect(emptyReason(facts({ source: 'seerr', kinds: ['plex', 'jellyfin'] }))).toBe('no-seerr');
		expect(emptyReason(facts({ source: 'any', kinds: ['jellyseerr'] }))).toBe('nothing');
	});
	it('connected but never synced, or the first sync still running', () => {
		expect(emptyReason(facts({ runs: [] }))).toBe('no-sync');
		expect(emptyReason(facts({ runs: [{ status: 'failed' }, { status: 'cancelled' }] }))).toBe(
			'no-sync'
		);
		expect(emptyReason(facts({ runs: [{ status: 'running' }] }))).toBe('syncing');
		expect(emptyReason(facts({ runs: [{ status: 'queued' }, { status: 'failed' }] }))).toBe(
			'syncing'
		);
		// A partial run still built reports from what it read.
		expect(emptyReason(facts({ runs: [{ status: 'failed' }, { status: 'partial' }] }))).toBe(
			'nothing'
		);
	});
	it('synced: filters, or nothing above the thresholds', () => {
		expect(emptyReason(facts({ filtered: true }))).toBe('filtered');
		expect(emptyReason(facts({}))).toBe('nothing');
	});
	it('facts that could not be loaded never produce a claim', () => {
		expect(emptyReason(facts({ kinds: null, runs: null }))).toBe('nothing');
		expect(emptyReason(facts({ kinds: null, runs: [] }))).toBe('no-sync');
		expect(emptyReason(facts({ kinds: [], runs: null }))).toBe('no-connection');
	});
});
