import { describe, expect, it } from 'vitest';
import spec from '$lib/api/openapi.json';
import { amount, check, constraintOf, parseNumberText, rangeText } from './constraints';
import { extractConstraints } from './extract';

describe('extractConstraints', () => {
	it('reads bounds, lengths and required, through the null branch of an optional field', () => {
		const out = extractConstraints({
			components: {
				schemas: {
					In: {
						type: 'object',
						required: ['name'],
						properties: {
							name: { type: 'string', minLength: 1, maxLength: 72 },
							months: { anyOf: [{ type: 'integer', minimum: 1, maximum: 120 }, { type: 'null' }] },
							size: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'null' }] },
							tags: { type: 'array', maxItems: 20, description: 'ignored' }
						}
					},
					Plain: { type: 'string', enum: ['a'] }
				}
			}
		});
		expect(out).toEqual({
			In: {
				name: { type: 'string', required: true, minLength: 1, maxLength: 72 },
				months: { type: 'integer', required: false, minimum: 1, maximum: 120 },
				size: { type: 'number', required: false, exclusiveMinimum: 0 },
				tags: { type: 'array', required: false, maxItems: 20 }
			}
		});
		expect(extractConstraints(null)).toEqual({});
	});

	it('the module the app imports is the generated document’s', () => {
		const fromSpec = extractConstraints(spec);
		expect(constraintOf('ReportSettingsUpdate', 'stale_months')).toEqual(
			fromSpec.ReportSettingsUpdate.stale_months
		);
		expect(constraintOf('ChangePasswordIn', 'new_password')).toMatchObject({
			required: true,
			minLength: 10,
			maxLength: 72
		});
	});

	it('keeps only the schemas a request body can hold, and what they refer to', () => {
		const schema = (props: Record<string, unknown>) => ({ type: 'object', properties: props });
		const out = extractConstraints({
			paths: {
				'/a': {
					parameters: [],
					post: {
						requestBody: {
							content: { 'application/json': { schema: { $ref: '#/components/schemas/In' } } }
						},
						responses: { 200: { $ref: '#/components/schemas/Out' } }
					}
				}
			},
			components: {
				schemas: {
					In: schema({ rows: { type: 'array', items: { $ref: '#/components/schemas/Row' } } }),
					Row: schema({ path: { type: 'string', maxLength: 9 } }),
					Out: schema({ id: { type: 'string' } })
				}
			}
		});
		expect(Object.keys(out).sort()).toEqual(['In', 'Row']);
		expect(out.Row.path).toEqual({ type: 'string', required: false, maxLength: 9 });
		expect(Object.keys(extractConstraints(spec))).toContain('PathMapping');
		expect(Object.keys(extractConstraints(spec))).not.toContain('ConnectionOut');
	});

	it('refuses a property the schema does not have', () => {
		// @ts-expect-error: not a property of the schema
		expect(() => constraintOf('ReportSettingsUpdate', 'no_such_field')).toThrow(/no property/);
	});
});

describe('check', () => {
	const months = constraintOf('ReportSettingsUpdate', 'stale_months');
	const days = constraintOf('ReportSettingsUpdate', 'stuck_request_days');
	const gb = constraintOf('ReportSettingsUpdate', 'large_movie_gb');
	const runBytes = constraintOf('DeletionSettingsIn', 'max_run_bytes');
	const runItems = constraintOf('DeletionSettingsIn', 'max_run_items');
	const password = constraintOf('ChangePasswordIn', 'new_password');
	const current = constraintOf('ChangePasswordIn', 'current_password');

	it('words numbers like the server, unit from the field name, singular for one', () => {
		expect(check(months, 'stale_months', 0)).toBe('At least 1 month');
		expect(check(months, 'stale_months', 121)).toBe('At most 120 months');
		expect(check(months, 'stale_months', 2.5)).toBe('Must be a whole number');
		expect(check(months, 'stale_months', 6)).toBeNull();
		expect(check(days, 'stuck_request_days', 0)).toBe('At least 1 day');
		expect(check(days, 'stuck_request_days', 366)).toBe('At most 365 days');
		expect(check(gb, 'large_movie_gb', 0)).toBe('More than 0 GB');
		expect(check(gb, 'large_movie_gb', 0.5)).toBeNull();
		expect(check(runItems, 'max_run_items', 1001)).toBe('At most 1,000 items');
		expect(check(runBytes, 'max_run_bytes', 5)).toBe('At least 1 GB');
		expect(check(runBytes, 'max_run_bytes', 2e15)).toBe('At most 1,000,000 GB');
		expect(check({ required: false, minimum: 1, exclusiveMaximum: 10 }, 'count', 10)).toBe(
			'Less than 10'
		);
		expect(check({ required: false, minimum: 1 }, 'count', 0)).toBe('At least 1');
	});

	it('words text lengths and required values', () => {
		expect(check(password, 'new_password', 'short')).toBe('At least 10 characters');
		expect(check(password, 'new_password', 'x'.repeat(73))).toBe('At most 72 characters');
		expect(check(password, 'new_password', 'a long passphrase')).toBeNull();
		expect(check(password, 'new_password', '')).toBe('Required');
		expect(check(current, 'current_password', '')).toBe('Required');
		expect(check(current, 'current_password', undefined)).toBe('Required');
		expect(check({ required: false, minLength: 1 }, 'name', '')).toBe('Required');
		expect(check({ required: false, maxLength: 1 }, 'name', 'é')).toBeNull();
		expect(check({ required: false }, 'name', null)).toBeNull();
	});

	it('words list lengths', () => {
		expect(check({ required: false, maxItems: 2 }, 'tags', ['a', 'b', 'c'])).toBe(
			'At most 2 entries'
		);
		expect(check({ required: false, minItems: 1 }, 'tags', [])).toBe('At least 1 entry');
	});

	it('amount names the unit, in GB for sizes in bytes', () => {
		expect(amount(1, 'stale_months')).toBe('1 month');
		expect(amount(2, 'delay_hours')).toBe('2 hours');
		expect(amount(1e9, 'max_day_bytes')).toBe('1 GB');
		expect(amount(1500, 'max_day_bytes')).toBe('1,500');
		expect(amount(0.5, 'large_movie_gb')).toBe('0.5 GB');
		expect(amount(7, 'count')).toBe('7');
	});
});

describe('parseNumberText', () => {
	const months = constraintOf('ReportSettingsUpdate', 'stale_months');
	const gb = constraintOf('ReportSettingsUpdate', 'large_movie_gb');
	const runBytes = constraintOf('DeletionSettingsIn', 'max_run_bytes');

	it('reads what people type, then checks it', () => {
		expect(parseNumberText(months, 'stale_months', ' 6 ')).toEqual({ value: 6 });
		expect(parseNumberText(months, 'stale_months', '')).toEqual({ error: 'Required' });
		expect(parseNumberText(months, 'stale_months', 'six')).toEqual({
			error: 'Must be a whole number'
		});
		expect(parseNumberText(months, 'stale_months', '0')).toEqual({ error: 'At least 1 month' });
		expect(parseNumberText(gb, 'large_movie_gb', '12,5')).toEqual({ value: 12.5 });
		expect(parseNumberText(gb, 'large_movie_gb', 'big')).toEqual({ error: 'Must be a number' });
	});

	it('scales a size typed in GB to the bytes it sends', () => {
		expect(parseNumberText(runBytes, 'max_run_bytes', '1.5', 1e9)).toEqual({ value: 1.5e9 });
		expect(parseNumberText(runBytes, 'max_run_bytes', '0.5', 1e9)).toEqual({
			error: 'At least 1 GB'
		});
	});

	it('says the range for the help text', () => {
		expect(rangeText(months, 'stale_months')).toBe('1–120 months');
		expect(rangeText(gb, 'large_movie_gb')).toBe('more than 0, at most 1,000 GB');
		expect(rangeText(runBytes, 'max_run_bytes')).toBe('1–1,000,000 GB');
	});
});

describe('patterns', () => {
	it('checks a schema pattern, searched as JSON Schema does, in the server’s words', () => {
		const folder = constraintOf('PathMapping', 'server_path');
		expect(check(folder, 'server_path', '/data/movies')).toBeNull();
		expect(check(folder, 'server_path', 'D:\\Media')).toBeNull();
		expect(check(folder, 'server_path', 'media')).toBe(
			'Must be a full folder path as the server shows it, such as /data/movies or D:\\Media'
		);
		expect(check({ required: false, pattern: '[0-9]' }, 'code', 'a1b')).toBeNull();
		expect(check({ required: false, pattern: '^[0-9]+$' }, 'code', 'a1')).toBe(
			'Not in the expected format'
		);
		// A pattern JavaScript cannot read is left to the server.
		expect(check({ required: false, pattern: '(?<' }, 'code', 'x')).toBeNull();
	});

	it('reads the pattern and its message from the document', () => {
		const out = extractConstraints({
			components: {
				schemas: {
					In: {
						type: 'object',
						properties: {
							key: { type: 'string', pattern: '^[!-~]+$', 'x-pattern-message': 'no spaces' },
							bare: { type: 'string', 'x-pattern-message': 'ignored without a pattern' }
						}
					}
				}
			}
		});
		expect(out.In).toEqual({
			key: { type: 'string', required: false, pattern: '^[!-~]+$', patternMessage: 'no spaces' },
			bare: { type: 'string', required: false }
		});
	});
});
