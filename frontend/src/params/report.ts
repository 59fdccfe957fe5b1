import type { ParamMatcher } from '@sveltejs/kit';
import type { TableSlug } from '$lib/reports/tables';

/** The reports shown as one generic table (duplicates has its own route). */
const TABLE_REPORTS = new Set<string>([
	'large',
	'stale',
	'languages',
	'requests',
	'recently-available'
] satisfies TableSlug[]);

export const match = ((param: string): param is TableSlug =>
	TABLE_REPORTS.has(param)) satisfies ParamMatcher;
