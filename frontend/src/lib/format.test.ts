import { describe, expect, it } from 'vitest';
import { count, dateTime, plural, relativeTime, sentence } from './format';

describe('format', () => {
	const now = Date.parse('2026-11-22T12:00:00Z');
	it('relative times', () => {
		expect(relativeTime(null, now)).toBe('never');
		expect(relativeTime('garbage', now)).toBe('—');
		expect(relativeTime('2026-11-22T11:59:50Z', now)).toBe('just now');
		expect(relativeTime('2026-11-22T11:55:00Z', now)).toBe('5 minutes ago');
		expect(relativeTime('2026-11-22T09:00:00Z', now)).toBe('3 hours ago');
		expect(relativeTime('2026-11-21T12:00:00Z', now)).toBe('yesterday');
	});
	it('counts, plurals, sentences, dates', () => {
		expect(count(null)).toBe('—');
		expect(count(12345)).toBe('12,345');
		expect(plural(1, 'item')).toBe('1 item');
		expect(plural(2, 'library', 'libraries')).toBe('2 libraries');
		expect(sentence('starting')).toBe('Starting');
		expect(sentence(null)).toBe('');
		expect(dateTime(null)).toBe('—');
	});
});
