/** The languages report waits for the owner's languages: until then it lists nothing and says why. */
import type { LanguageReportPage } from '$lib/api/types';

/**
 * False when the page says the required languages were never chosen (only the languages report's
 * pages carry `languages_chosen`; every other page, and a page that could not be read, is not waiting).
 */
export function awaitingLanguages(page: object | null | undefined): boolean {
	if (!page || !('languages_chosen' in page)) return false;
	return (page as Pick<LanguageReportPage, 'languages_chosen'>).languages_chosen === false;
}
