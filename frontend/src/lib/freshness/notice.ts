import type { Freshness } from '$lib/api/types';
import { dateTime } from '$lib/format';

export interface StaleNotice {
	/** Why the figures may be out of date, as a sentence. */
	reason: string;
	/** When the figures were last brought in line with the servers, formatted; null if never. */
	asOf: string | null;
}

/**
 * What the page says when its figures may be out of date (the last sync could not rebuild the
 * derived report data, or stopped before it did); null when they are current.
 */
export function staleNotice(
	f: Freshness,
	format: (iso: string) => string = dateTime
): StaleNotice | null {
	if (!f.derived_stale) return null;
	const why = (f.derived_stale_reason ?? 'the report figures could not be rebuilt').trim();
	const sentence = why.charAt(0).toUpperCase() + why.slice(1);
	return {
		reason: sentence.endsWith('.') ? sentence : `${sentence}.`,
		asOf: f.data_as_of ? format(f.data_as_of) : null
	};
}
