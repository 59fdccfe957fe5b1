import { describe, expect, it } from 'vitest';
import type { DeletionSettings } from '$lib/api/types';
import {
	SETTINGS,
	changedLabels,
	diffSettings,
	hint,
	range,
	parseLibraryDelay,
	toDraft
} from './settings';

const saved: DeletionSettings = {
	paused: false,
	delay_hours: 24,
	whole_seasons: false,
	max_run_items: 25,
	max_run_bytes: 500e9,
	max_day_items: 100,
	max_day_bytes: 2000e9,
	first_live_run_items: 5,
	sync_max_age_hours: 36,
	clear_jellyseerr: true,
	operator_disabled: false,
	operator_note: null,
	library_delays: []
};

describe('deletion settings form', () => {
	it('shows sizes in GB and sends only what changed, sizes in bytes', () => {
		const draft = toDraft(saved);
		expect(draft.max_run_bytes).toBe('500');
		expect(diffSettings(saved, draft)).toEqual({ ok: true, changes: {} });
		draft.max_run_bytes = '1.5';
		draft.delay_hours = '48';
		draft.paused = true;
		const diff = diffSettings(saved, draft);
		expect(diff).toEqual({
			ok: true,
			changes: { paused: true, delay_hours: 48, max_run_bytes: 1_500_000_000 }
		});
		if (diff.ok)
			expect(changedLabels(diff.changes)).toEqual([
				'Pause every deletion',
				'Wait before deleting',
				'Size per run'
			]);
	});
	it('stops on text that is not a number and hints at the bounds', () => {
		const draft = { ...toDraft(saved), max_day_items: 'lots' };
		expect(diffSettings(saved, draft)).toEqual({
			ok: false,
			errors: { max_day_items: 'Must be a whole number' }
		});
		const first = SETTINGS.find((f) => f.key === 'first_live_run_items');
		if (first?.kind !== 'number') throw new Error('a number field');
		expect(hint(first, '101')).toBe('At most 100 items');
		expect(hint(first, '0')).toBe('At least 1 item');
		expect(hint(first, '2.5')).toBe('Must be a whole number');
		expect(hint(first, '3')).toBeNull();
		expect(range(first)).toBe('1–100 items');
		const size = SETTINGS.find((f) => f.key === 'max_day_bytes');
		if (size?.kind !== 'number') throw new Error('a number field');
		expect(hint(size, '0.5')).toBe('At least 1 GB');
		expect(range(size)).toBe('1–1,000,000 GB');
		// Out of bounds stops the save, in the schema words.
		const over = { ...toDraft(saved), max_run_items: '1001' };
		expect(diffSettings(saved, over)).toEqual({
			ok: false,
			errors: { max_run_items: 'At most 1,000 items' }
		});
	});
	it('reads a library delay, empty meaning the account delay', () => {
		expect(parseLibraryDelay(' ')).toEqual({ value: null });
		expect(parseLibraryDelay('72')).toEqual({ value: 72 });
		expect(parseLibraryDelay('0')).toEqual({
			error: 'At least 1 hour (1–8,760 hours); leave empty for your delay.'
		});
		expect(parseLibraryDelay('1.5')).toEqual({
			error: 'Must be a whole number (1–8,760 hours); leave empty for your delay.'
		});
	});
});
