import { describe, expect, it } from 'vitest';
import { awaitingLanguages } from './languages';

describe('the languages report waiting for the languages', () => {
	it('waits only when the page says the languages were never chosen', () => {
		expect(awaitingLanguages({ items: [], total: 0, languages_chosen: false })).toBe(true);
		expect(awaitingLanguages({ items: [], total: 0, languages_chosen: true })).toBe(false);
		// Other reports' pages do not carry the flag: never waiting.
		expect(awaitingLanguages({ items: [], total: 0 })).toBe(false);
		expect(awaitingLanguages(null)).toBe(false);
		expect(awaitingLanguages(undefined)).toBe(false);
	});
});
