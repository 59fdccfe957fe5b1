import { describe, expect, it } from 'vitest';
import { staleNotice } from './notice';

const fmt = (iso: string) => `<${iso}>`;

describe('staleNotice', () => {
	it('says nothing while the figures are current', () => {
		expect(
			staleNotice(
				{ data_as_of: '2026-12-01T10:00:00Z', derived_stale: false, derived_stale_reason: null },
				fmt
			)
		).toBeNull();
	});

	it('gives the reason as a sentence and when the figures were last rebuilt', () => {
		expect(
			staleNotice(
				{
					data_as_of: '2026-12-01T10:00:00Z',
					derived_stale: true,
					derived_stale_reason: 'the sync stopped before the report figures were rebuilt'
				},
				fmt
			)
		).toEqual({
			reason: 'The sync stopped before the report figures were rebuilt.',
			asOf: '<2026-12-01T10:00:00Z>'
		});
	});

	it('has no date when the figures were never rebuilt, and a reason even without one', () => {
		expect(
			staleNotice({ data_as_of: null, derived_stale: true, derived_stale_reason: null }, fmt)
		).toEqual({ reason: 'The report figures could not be rebuilt.', asOf: null });
	});
});
