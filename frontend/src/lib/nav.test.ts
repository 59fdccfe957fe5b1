import { describe, expect, it } from 'vitest';
import { HOME, loginRedirect, safeNext } from './nav';

describe('safeNext', () => {
	it('accepts same-origin paths', () => {
		expect(safeNext('/reports')).toBe('/reports');
		expect(safeNext('/settings?tab=a#x')).toBe('/settings?tab=a#x');
	});

	it('rejects anything that could leave the origin', () => {
		for (const bad of [
			'https://evil.test',
			'//evil.test',
			'/\\evil.test',
			'javascript:alert(1)',
			'/\tevil',
			'reports'
		]) {
			expect(safeNext(bad)).toBe(HOME);
		}
	});

	it('falls back for empty values and auth pages', () => {
		expect(safeNext(null)).toBe(HOME);
		expect(safeNext('')).toBe(HOME);
		expect(safeNext('/login?next=/x')).toBe(HOME);
		expect(safeNext('/signup')).toBe(HOME);
	});

	it('builds login redirects', () => {
		expect(loginRedirect(new URL('http://x/reports?a=1'))).toBe('/login?next=%2Freports%3Fa%3D1');
		expect(loginRedirect(new URL('http://x/login'))).toBe('/login');
	});
});
