import { describe, expect, it } from 'vitest';
import { parseApiError } from '$lib/api/errors';
import type { Attempt } from '$lib/api/attempt';
import { SettingsForm, type Diff } from './form.svelte';

interface Saved {
	days: number;
	on: boolean;
}
type Draft = { days: string; on: boolean };

function spec(answer: (changes: Partial<Saved>) => Attempt<Saved>) {
	const sent: Partial<Saved>[] = [];
	const form = new SettingsForm<Saved, Draft, Partial<Saved>>(
		{ days: 3, on: false },
		{
			toDraft: (s) => ({ days: String(s.days), on: s.on }),
			diff: (s, d): Diff<Partial<Saved>> => {
				const days = Number(d.days);
				if (!Number.isFinite(days)) return { ok: false, errors: { days: 'Not a number.' } };
				const changes: Partial<Saved> = {};
				if (days !== s.days) changes.days = days;
				if (d.on !== s.on) changes.on = d.on;
				return { ok: true, changes };
			},
			labels: (c) => Object.keys(c),
			send: async (c) => {
				sent.push(c);
				return answer(c);
			},
			savedMessage: (labels) => `Saved: ${labels.join(', ')}.`
		}
	);
	return { form, sent };
}

describe('SettingsForm', () => {
	it('sends only what changed and keeps the saved values', async () => {
		const { form, sent } = spec((c) => ({ ok: true, value: { days: 3, on: false, ...c } }));
		expect(await form.save()).toBe(false);
		expect(form.success).toBe('Nothing to save: no value changed.');
		form.draft.days = '7';
		expect(form.pending).toBe(1);
		expect(await form.save()).toBe(true);
		expect(sent).toEqual([{ days: 7 }]);
		expect([form.saved.days, form.success, form.pending]).toEqual([7, 'Saved: days.', 0]);
	});
	it('stops on a local error and shows the server refusal per field', async () => {
		const refusal = parseApiError(422, {
			error: 'validation_error',
			detail: 'bad',
			fields: [{ field: 'days', message: 'At most 90.' }]
		});
		const { form, sent } = spec(() => ({ ok: false, error: refusal }));
		form.draft.days = 'x';
		expect(await form.save()).toBe(false);
		expect(form.messageFor('days', null)).toBe('Not a number.');
		form.draft.days = '999';
		expect(await form.save()).toBe(false);
		expect(sent).toEqual([{ days: 999 }]);
		expect(form.messageFor('days', 'hint')).toBe('At most 90.');
		form.reset();
		expect([form.draft.days, form.serverError]).toEqual(['3', null]);
	});
	it('follows values saved elsewhere unless the person is editing', () => {
		const { form } = spec((c) => ({ ok: true, value: { days: 3, on: false, ...c } }));
		form.follow({ days: 5, on: true });
		expect(form.draft).toEqual({ days: '5', on: true });
		form.draft.on = false;
		form.follow({ days: 6, on: true });
		expect(form.draft).toEqual({ days: '5', on: false });
	});
});
