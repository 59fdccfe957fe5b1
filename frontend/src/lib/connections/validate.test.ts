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
	it('checks the normalised address against the schema’s pattern and length', () => {
		// new URL() takes these; the API's pattern does not.
		expect(checkServerUrl('http://-plex-.lan')).toMatchObject({
			ok: false,
			message: expect.stringMatching(/^Is not a server address: a host name or IP address/)
		});
		const long = `http://plex.lan/${'a'.repeat(2000)}`;
		expect(checkServerUrl(long, 'JellyseerrIn')).toEqual({
			ok: false,
			message: 'At most 2,000 characters'
		});
		expect(checkServerUrl('http://[::1]:8096', 'ConnectionUpdate')).toEqual({
			ok: true,
			url: 'http://[::1]:8096'
		});
	});
});

describe('secrets and names', () => {
	it('requires a secret without spaces', () => {
		expect(checkSecret('', 'token')).toBe('Enter the token.');
		expect(checkSecret('ab cd', 'API key')).toBe(
			'Must be the token as the server shows it: letters, digits and symbols, no spaces'
		);
		expect(checkSecret(' abc ', 'token')).toBeNull();
	});
	it('holds the secret to the schema: its length, printable ASCII', () => {
		expect(checkSecret('k'.repeat(2001), 'API key', 'JellyfinProbeIn')).toBe(
			'At most 2,000 characters'
		);
		expect(checkSecret('k'.repeat(2000), 'API key', 'JellyfinProbeIn')).toBeNull();
		expect(checkSecret('clé', 'token', 'ConnectionUpdate')).toMatch(/^Must be the token/);
	});
	it('limits names to the schema’s length and blanks become null', () => {
		expect(checkName('x'.repeat(201))).toBe('At most 200 characters');
		expect(checkName('x'.repeat(200), 'JellyfinIn')).toBeNull();
		expect(checkName('   ', 'ConnectionUpdate')).toBeNull();
		expect(checkName('x'.repeat(201), 'JellyfinProbeIn')).toBeNull();
		expect(checkName('Living room')).toBeNull();
		expect(optionalName('  ')).toBeNull();
		expect(optionalName(' Den ')).toBe('Den');
	});
});

describe('validateServerForm', () => {
	it('collects every field error', () => {
		const r = validateServerForm({ url: 'nope://', secret: '' }, 'API key', 'JellyseerrIn');
		expect(hasErrors(r)).toBe(true);
		expect(r.errors.url).toBeTruthy();
		expect(r.errors.secret).toBe('Enter the API key.');
		expect(r.url).toBeNull();
	});
	it('returns the normalised url when valid', () => {
		const r = validateServerForm(
			{ url: '192.168.1.5:8096', secret: 'k', name: '' },
			'API key',
			'JellyfinProbeIn',
			'JellyfinIn'
		);
		expect(hasErrors(r)).toBe(false);
		expect(r.url).toBe('http://192.168.1.5:8096');
	});
	it('checks the name against the schema that sends it', () => {
		const r = validateServerForm(
			{ url: 'jf.lan', secret: 'k', name: 'n'.repeat(201) },
			'API key',
			'JellyfinProbeIn',
			'JellyfinIn'
		);
		expect(r.errors).toEqual({ name: 'At most 200 characters' });
	});
});
