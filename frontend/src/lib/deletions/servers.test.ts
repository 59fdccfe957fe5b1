import { describe, expect, it } from 'vitest';
import { parseApiError } from '$lib/api/errors';
import type { DeletionServer } from '$lib/api/types';
import { byAttention, freezeReason, liveError } from './servers';

describe('liveError', () => {
	it('says in plain words that the caps changed, or that the server refuses', () => {
		const caps = parseApiError(409, {
			error: 'deletion_caps_changed',
			detail: 'GET the live page'
		});
		expect(liveError(caps, 'Home').title).toBe('The caps changed meanwhile');
		expect(liveError(caps, 'Home').text).not.toContain('GET');
		const refused = parseApiError(409, {
			error: 'deletion_not_allowed_by_server',
			detail: 'Home does not allow media deletion. In Plex, open Settings → Library…'
		});
		expect(liveError(refused, 'Home')).toEqual({
			title: 'Home does not allow deletions',
			text: 'Home does not allow media deletion. In Plex, open Settings → Library…'
		});
		expect(liveError(parseApiError(0, undefined), 'Home').title).toBe('Still in dry-run');
	});
});

describe('byAttention', () => {
	it('puts frozen servers first, then those in dry-run', () => {
		const s = (name: string, dry_run: boolean, frozen: boolean) =>
			({ name, dry_run, frozen }) as DeletionServer;
		const order = byAttention([
			s('live', false, false),
			s('dry', true, false),
			s('ice', false, true)
		]);
		expect(order.map((x) => x.name)).toEqual(['ice', 'dry', 'live']);
	});
});

describe('freezeReason', () => {
	it('drops the repeated title and makes a sentence', () => {
		expect(
			freezeReason(
				'deletions on Home Server are frozen: Movies: 32 of 41 items vanished at once; check the server'
			)
		).toBe('Movies: 32 of 41 items vanished at once; check the server.');
		expect(freezeReason('a mass vanish was held back.')).toBe('A mass vanish was held back.');
		expect(freezeReason(null)).toContain('held them back');
	});
});
