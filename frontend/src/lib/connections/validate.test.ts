import { describe, expect, it } from 'vitest';
import {
	checkName,
	checkSecret,
	checkServerUrl,
	hasErrors,
	optionalName,
	validateServerForm
} from './validate';

describe('checkServerUrl', () => {
	it('normalises addresses', () => {
		expect(checkServerUrl(' http://10.0.0.2:32400/ ')).toEqual({
			ok: true,
			url: 'http://10.0.0.2:32400'
		});
		expect(checkServerUrl('plex.local:32400')).toEqual({
			ok: true,
			url: 'http://plex.local:32400'
		});
		expect(checkServerUrl('https://media.example.com/jellyfin/')).toEqual({
			ok: true,
			url: 'https://media.example.com/jellyfin'
		});
	});
	it('rejects what is not an http(s) server address', () => {
		expect(checkServerUrl('')).toMatchObject({ ok: false, message: 'Enter the server address.' });
		expect(checkServerUrl('ftp://x')).toMatchObject({ ok: false });
		expect(checkServerUrl('http://')).toMatchObject({ ok: false });
		expect(checkServerUrl('http://a b')).toMatchObject({ ok: false });
		expect(checkServerUrl('http://u:p@host')).toMatchObject({ ok: false });
		expect(checkServerUrl('http://host/?X-Plex-Token=1')).toMatchObject({ ok: false });
	});
});

describe('secrets and names', () => {
	it('requires a secret without spaces', () => {
		expect(checkSecret('', 'token')).toBe('Enter the token.');
		expect(checkSecret('ab cd', 'API key')).toBe('The API key cannot contain spaces.');
		expect(checkSecret(' abc ', 'token')).toBeNull();
	});
	it('limits names and blanks become null', () => {
		expect(checkName('x'.repeat(201))).not.toBeNull();
		expect(checkName('Living room')).toBeNull();
		expect(optionalName('  ')).toBeNull();
		expect(optionalName(' Den ')).toBe('Den');
	});
});

describe('validateServerForm', () => {
	it('collects every field error', () => {
		const r = validateServerForm({ url: 'nope://', secret: '' }, 'API key');
		expect(hasErrors(r)).toBe(true);
		expect(r.errors.url).toBeTruthy();
		expect(r.errors.secret).toBe('Enter the API key.');
		expect(r.url).toBeNull();
	});
	it('returns the normalised url when valid', () => {
		const r = validateServerForm({ url: '192.168.1.5:8096', secret: 'k', name: '' }, 'API key');
		expect(hasErrors(r)).toBe(false);
		expect(r.url).toBe('http://192.168.1.5:8096');
	});
});
