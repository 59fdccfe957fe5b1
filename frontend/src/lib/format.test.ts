import { describe, expect, it } from 'vitest';
import {
	bitrate,
	bytes,
	count,
	dateTime,
	duration,
	GB,
	plural,
	relativeTime,
	sentence,
	shortDate
} from './format';

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
	it('sizes, bitrates, durations and short dates', () => {
		expect(bytes(null)).toBe('—');
		expect(bytes(-1)).toBe('—');
		expect(bytes(0)).toBe('0 B');
		expect(bytes(999)).toBe('999 B');
		expect(bytes(1500)).toBe('1.5 KB');
		expect(bytes(8050440)).toBe('8.1 MB');
		// Decimal, as Plex and Jellyfin show sizes and as the large-movie threshold counts them.
		expect(bytes(74948806037)).toBe('74.9 GB');
		expect(bytes(13_000_000_000)).toBe('13.0 GB');
		expect(bytes(13_000_000_001)).toBe('13.0 GB');
		expect(bytes(150 * GB)).toBe('150 GB');
		expect(bytes(999_960)).toBe('1.0 MB');
		expect(bytes(3 * 1000 ** 4)).toBe('3.0 TB');
		expect(bytes(2_345_000_000_000)).toBe('2.3 TB');
		expect(bitrate(null)).toBe('—');
		expect(bitrate(320)).toBe('320 kbps');
		expect(bitrate(57295)).toBe('57.3 Mbps');
		expect(duration(null)).toBe('—');
		expect(duration(201261)).toBe('3:21');
		expect(duration(3723000)).toBe('1:02:03');
		expect(shortDate(null)).toBe('—');
		expect(shortDate('nope')).toBe('—');
		expect(shortDate('2022-11-26T13:51:32Z')).toMatch(/2022/);
	});
});
