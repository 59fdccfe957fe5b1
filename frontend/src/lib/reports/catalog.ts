/** The six reports: names, what each finds, and which connections feed it. */

export type ReportSlug =
	'large' | 'stale' | 'languages' | 'requests' | 'recently-available' | 'duplicates';

/** Which servers a report reads: Plex/Jellyfin libraries, Jellyseerr, or either. */
export type Source = 'media' | 'seerr' | 'any';

export interface ReportInfo {
	slug: ReportSlug;
	title: string;
	description: string;
	source: Source;
	/** Said when the report is empty although servers are synced and nothing is filtered. */
	nothing: string;
}

export const REPORTS: readonly ReportInfo[] = [
	{
		slug: 'stale',
		title: 'Stale content',
		description: 'Movies and shows nobody has watched for months.',
		source: 'media',
		nothing: 'Everything was watched recently, added recently, or is protected.'
	},
	{
		slug: 'large',
		title: 'Large movies',
		description: 'Movies above your size threshold, worth replacing with a smaller copy.',
		source: 'media',
		nothing: 'No movie is above your size threshold.'
	},
	{
		slug: 'duplicates',
		title: 'Duplicate tracks',
		description: 'The same track more than once in your music, with the copy to keep.',
		source: 'media',
		nothing: 'No track is in your music libraries more than once.'
	},
	{
		slug: 'languages',
		title: 'Language issues',
		description: 'Movies and episodes missing a required audio or subtitle language.',
		source: 'media',
		nothing: 'Every movie and episode has the audio and subtitle languages you require.'
	},
	{
		slug: 'requests',
		title: 'Jellyseerr requests',
		description:
			'Requests that are pending, processing, failed or unavailable, and stuck approvals.',
		source: 'seerr',
		nothing: 'No Jellyseerr request is pending, processing, failed or unavailable.'
	},
	{
		slug: 'recently-available',
		title: 'Recently available',
		description: 'What became available lately, from Jellyseerr and your libraries.',
		source: 'any',
		nothing: 'Nothing became available within your recent window.'
	}
];

export function reportInfo(slug: ReportSlug): ReportInfo {
	return REPORTS.find((r) => r.slug === slug) ?? REPORTS[0];
}
