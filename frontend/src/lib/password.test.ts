import { describe, expect, it } from 'vitest';
import { charLength, passwordHints, passwordLooksValid, utf8Length } from './password';

const ok = (password: string, email = '') =>
	Object.fromEntries(passwordHints(password, email).map((h) => [h.id, h.ok]));

describe('password hints', () => {
	it('requires at least 10 characters', () => {
		expect(ok('123456789').length).toBe(false);
		expect(ok('1234567890').length).toBe(true);
	});

	it('counts code points, not UTF-16 units, for the length', () => {
		expect(charLength('😀😀😀😀😀')).toBe(5);
		expect(ok('😀😀😀😀😀😀😀😀😀').length).toBe(false);
	});

	it('limits UTF-8 bytes to 72', () => {
		expect(utf8Length('é')).toBe(2);
		expect(ok('a'.repeat(72)).bytes).toBe(true);
		expect(ok('a'.repeat(73)).bytes).toBe(false);
		// 36 two-byte characters = 72 bytes (ok); 37 = 74 bytes (too long).
		expect(ok('é'.repeat(36)).bytes).toBe(true);
		expect(ok('é'.repeat(37)).bytes).toBe(false);
	});

	it('rejects the email as password (case-insensitive)', () => {
		expect(ok('Me@Example.com', 'me@example.com ').email).toBe(false);
		expect(ok('something-else', 'me@example.com').email).toBe(true);
		expect(ok('', 'me@example.com').email).toBe(false);
	});

	it('ticks nothing for an empty password', () => {
		expect(passwordHints('', 'me@example.com').every((h) => !h.ok)).toBe(true);
	});

	it('passwordLooksValid combines all hints', () => {
		expect(passwordLooksValid('correct horse battery', 'me@example.com')).toBe(true);
		expect(passwordLooksValid('short', 'me@example.com')).toBe(false);
		expect(passwordLooksValid('me@example.com', 'me@example.com')).toBe(false);
	});
});
