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
	/** The words of the report that mean something precise, with that meaning. */
	terms?: readonly { term: string; meaning: string }[];
}

const FUTURE_DATE =
	'A server gives a date later than a day from now (its clock or a tag is wrong): the date is suspect, never counted as recent nor used as an age.';

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
		nothing: 'No movie is above your size threshold.',
		terms: [
			{
				term: 'Size',
				meaning:
					'Decimal, as Plex and Jellyfin show it: 1 GB = 1,000,000,000 bytes. A movie is large when it is strictly above your threshold; one of exactly that size is not.'
			}
		]
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
			'Jellyseerr requests that need a look: waiting for approval, not available yet, failed, or gone.',
		source: 'seerr',
		nothing: 'No Jellyseerr request is waiting, failed or gone.',
		terms: [
			{
				term: 'Unavailable',
				meaning:
					'As in Jellyseerr: requested (pending approval or approved) and not available yet: unknown, pending, processing or only partly available.'
			},
			{
				term: 'Gone',
				meaning: 'Was available, then deleted from the media server, or blocklisted in Jellyseerr.'
			},
			{
				term: 'Stuck',
				meaning:
					'Approved, and still not available more than your stuck threshold (days) after Jellyseerr last changed it.'
			},
			{ term: 'Dated in the future', meaning: FUTURE_DATE }
		]
	},
	{
		slug: 'recently-available',
		title: 'Recently available',
		description: 'What became available lately, from Jellyseerr and your libraries.',
		source: 'any',
		nothing: 'Nothing became available within your recent window.',
		terms: [
			{
				term: 'Recent',
				meaning:
					'Available within your recent window of days; a title exactly that many days old still counts.'
			},
			{ term: 'Dated in the future', meaning: `${FUTURE_DATE} Listed apart.` }
		]
	}
];

export function reportInfo(slug: ReportSlug): ReportInfo {
	return REPORTS.find((r) => r.slug === slug) ?? REPORTS[0];
}
