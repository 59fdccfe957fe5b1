import { describe, expect, it } from 'vitest';
import { TABLES, langs } from './tables';

describe('languages report', () => {
	it('offers the untagged and unknown lists apart from missing languages, each explained', () => {
		const options = TABLES.languages.filterDef?.options ?? [];
		expect(options.map((o) => [o.value, o.label])).toEqual([
			['all', 'Missing a language'],
			['audio', 'Missing audio'],
			['subtitles', 'Missing subtitles'],
			['untagged', 'Untagged streams'],
			['unknown', 'Not analysed yet']
		]);
		expect(options.find((o) => o.value === 'unknown')?.note).toContain('never counted as missing');
		expect(options.find((o) => o.value === 'untagged')?.note).toContain('no language tag');
		expect(TABLES.languages.filter?.values).toContain('unknown');
	});

	it('shows the languages a row has, and unknown before the server analysed the file', () => {
		const known = { languages_known: true };
		expect(langs(known, ['en', 'fr'], 1)).toBe('en, fr · 1 untagged');
		expect(langs(known, ['en'], 0, ['fr'])).toBe('en · forced fr only');
		expect(langs(known, [], 0)).toBe('none');
		expect(langs({ languages_known: false }, [], 0)).toBe('unknown');
	});
});
