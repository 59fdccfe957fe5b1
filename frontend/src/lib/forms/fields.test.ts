import { describe, expect, it } from 'vitest';
import { parseApiError } from '$lib/api/errors';
import { checkFields, hasFieldErrors, serverErrors, UNSHOWN_FIELD } from './fields';

describe('checkFields', () => {
	it('checks each value given against its property, in the server’s words', () => {
		expect(checkFields('PostponeIn', { hours: 2161, note: 'x'.repeat(1001) })).toEqual({
			hours: 'At most 2,160 hours',
			note: 'At most 1,000 characters'
		});
		expect(checkFields('PostponeIn', { hours: 24, note: null })).toEqual({});
		expect(checkFields('Credentials', { email: '', password: undefined })).toEqual({
			email: 'Required',
			password: 'Required'
		});
	});

	it('says whether any field has a message', () => {
		expect(hasFieldErrors({})).toBe(false);
		expect(hasFieldErrors({ note: undefined })).toBe(false);
		expect(hasFieldErrors({ note: 'Required' })).toBe(true);
	});
});

describe('serverErrors', () => {
	const validation = (fields: { field: string; message: string }[]) =>
		parseApiError(422, {
			error: 'validation_error',
			detail: fields.map((f) => `${f.field}: ${f.message}`).join('; '),
			fields
		});

	it('puts a 422’s messages under the form’s fields, with no banner', () => {
		const out = serverErrors(validation([{ field: 'note', message: 'At most 1,000 characters' }]), [
			'note',
			'hours'
		]);
		expect(out).toEqual({ fields: { note: 'At most 1,000 characters' }, banner: null });
	});

	it('renames the server’s properties to the form’s fields', () => {
		const out = serverErrors(
			validation([{ field: 'api_key', message: 'Not in the expected format' }]),
			['url', 'secret'],
			{ rename: { api_key: 'secret' } }
		);
		expect(out.fields).toEqual({ secret: 'Not in the expected format' });
	});

	it('never shows the validator text of a property the form does not show', () => {
		const out = serverErrors(
			validation([
				{ field: 'note', message: 'At most 1,000 characters' },
				{ field: 'upstream_id', message: 'Required' }
			]),
			['note']
		);
		expect(out.fields).toEqual({ note: 'At most 1,000 characters' });
		expect(out.banner).toBe(UNSHOWN_FIELD);
		expect(out.banner).not.toContain('upstream_id');
	});

	it('keeps the sentence of another error for the banner, or under the field its code names', () => {
		const wrong = parseApiError(400, {
			error: 'connection_auth_failed',
			detail: 'The server refused the token.',
			fields: []
		});
		expect(serverErrors(wrong, ['url', 'secret'])).toEqual({
			fields: {},
			banner: 'The server refused the token.'
		});
		expect(
			serverErrors(wrong, ['url', 'secret'], { codes: { connection_auth_failed: 'secret' } })
		).toEqual({ fields: { secret: 'The server refused the token.' }, banner: null });
		expect(serverErrors(parseApiError(0, undefined), ['note']).banner).toMatch(/Cannot reach/);
		expect(serverErrors(null, ['note'])).toEqual({ fields: {}, banner: null });
	});
});
