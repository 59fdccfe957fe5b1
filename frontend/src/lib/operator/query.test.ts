import { describe, expect, it } from 'vitest';
import { actionLabel, consoleHref, pageCount, readConsole, syncTone } from './query';

const read = (query: string) => readConsole(new URLSearchParams(query));

describe('the operator console in the URL', () => {
	it('reads a state and falls back on anything malformed', () => {
		expect(read('')).toEqual({ q: '', page: 1, size: 25, audit: 1 });
		expect(read('q=%20Alice%20&page=3&size=50&audit=2')).toEqual({
			q: 'Alice',
			page: 3,
			size: 50,
			audit: 2
		});
		expect(read('page=0&size=7&audit=-1')).toEqual({ q: '', page: 1, size: 25, audit: 1 });
		expect(read('page=2.5&audit=abc').page).toBe(1);
		expect(read('page=99999999').page).toBe(100_000);
		expect(read(`q=${'x'.repeat(400)}`).q).toHaveLength(320);
	});

	it('writes only what differs from the defaults', () => {
		const start = read('');
		expect(consoleHref(start)).toBe('/operator');
		expect(consoleHref(start, { page: 2 })).toBe('/operator?page=2');
		expect(consoleHref(start, { q: 'bob', audit: 3 })).toBe('/operator?q=bob&audit=3');
	});

	it('starts again at page 1 on a new search or page size, not on an audit page', () => {
		const deep = read('q=a&page=4&audit=2');
		expect(consoleHref(deep, { q: 'ab' })).toBe('/operator?q=ab&audit=2');
		expect(consoleHref(deep, { size: 100 })).toBe('/operator?q=a&size=100&audit=2');
		expect(consoleHref(deep, { q: 'a' })).toBe('/operator?q=a&page=4&audit=2');
		expect(consoleHref(deep, { audit: 1 })).toBe('/operator?q=a&page=4');
	});

	it('round-trips', () => {
		const s = read('q=x%26y&page=2&size=100&audit=5');
		expect(read(consoleHref(s).split('?')[1])).toEqual(s);
	});

	it('counts pages, at least one', () => {
		expect(pageCount(0, 25)).toBe(1);
		expect(pageCount(25, 25)).toBe(1);
		expect(pageCount(26, 25)).toBe(2);
	});
});

describe('words', () => {
	it('names every audit action, and shows an unknown one readably', () => {
		expect(actionLabel('tenant_disabled')).toBe('Disabled an account');
		expect(actionLabel('deletions_disabled')).toBe('Stopped every deletion');
		expect(actionLabel('something_new')).toBe('something new');
	});

	it('gives each sync status a tone', () => {
		expect(syncTone(null)).toEqual({ label: 'Never synced', tone: 'outline' });
		expect(syncTone('failed').tone).toBe('destructive');
		expect(syncTone('partial').tone).toBe('warning');
		expect(syncTone('complete').tone).toBe('success');
		expect(syncTone('running').label).toBe('Running');
		expect(syncTone('cancelled')).toEqual({ label: 'Cancelled', tone: 'secondary' });
	});
});
