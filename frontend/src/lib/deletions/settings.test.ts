import { describe, expect, it } from 'vitest';
import type { DeletionSettings } from '$lib/api/types';
import {
	SETTINGS,
	changedLabels,
	diffSettings,
	hint,
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
			errors: { max_day_items: "'lots' is not a number." }
		});
		const first = SETTINGS.find((f) => f.key === 'first_live_run_items');
		if (first?.kind !== 'number') throw new Error('a number field');
		expect(hint(first, '101')).toBe('At most 100 items.');
		expect(hint(first, '2.5')).toBe('Use a whole number of items.');
		expect(hint(first, '3')).toBeNull();
	});
	it('reads a library delay, empty meaning the account delay', () => {
		expect(parseLibraryDelay(' ')).toEqual({ value: null });
		expect(parseLibraryDelay('72')).toEqual({ value: 72 });
		expect(parseLibraryDelay('0')).toHaveProperty('error');
		expect(parseLibraryDelay('1.5')).toHaveProperty('error');
	});
});
