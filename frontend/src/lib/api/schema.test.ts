import { readFileSync } from 'node:fs';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

const specUrl = new URL('./openapi.json', import.meta.url);
const schemaUrl = new URL('./schema.d.ts', import.meta.url);

describe('generated API types', () => {
	it('schema.d.ts matches openapi.json (run `npm run gen:api` if this fails)', async () => {
		// Same options as the `gen:api` CLI call (none), so the output is byte-identical.
		const expected = COMMENT_HEADER + astToString(await openapiTS(specUrl, { silent: true }));
		const committed = readFileSync(schemaUrl, 'utf8');
		expect(committed === expected, 'schema.d.ts is stale: run `npm run gen:api`').toBe(true);
	});
});
