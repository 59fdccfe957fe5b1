import { expect, type Page } from '@playwright/test';
import { demoAccount, queueFromReport, reportRows } from './deletions';

/**
 * Every page of the SPA, for the passes that must cover them all (phones, accessibility). A page
 * that shows data names the test id of its rows: with the demo world synced (`demoWorld`) it must
 * show at least one, since an empty page hides what overflows.
 */
export interface AppPage {
	path: string;
	/** The page's level-1 heading. */
	heading: string | RegExp;
	/** Test id of the rows the page lists once the demo world is synced. */
	rows?: string;
}

export const SIGNED_OUT_PAGES: readonly AppPage[] = [
	{ path: '/', heading: /^Clean up your media servers/ },
	{ path: '/login', heading: 'Log in' },
	{ path: '/signup', heading: 'Create your account' },
	{ path: '/forgot-password', heading: 'Forgot your password?' },
	// The pages a mailed link opens, here without one: what they say then.
	{ path: '/reset-password', heading: 'Choose a new password' },
	{ path: '/verify-email', heading: 'Confirm your e-mail address' },
	{ path: '/undo-email-change', heading: 'Undo the change of e-mail' },
	// The 404 page, with an address long enough that a phone must wrap it.
	{ path: '/no-such-page/an-old-link-to-somewhere-that-moved-long-ago', heading: 'Page not found' }
];

export const SIGNED_IN_PAGES: readonly AppPage[] = [
	{ path: '/dashboard', heading: 'Dashboard', rows: 'report-card' },
	{ path: '/setup', heading: 'Get started', rows: 'setup-step' },
	{ path: '/connections', heading: 'Connections', rows: 'connection' },
	{ path: '/libraries', heading: 'Libraries', rows: 'library-group' },
	{ path: '/libraries/history', heading: 'Sync history', rows: 'sync-run' },
	{ path: '/reports', heading: 'Reports' },
	{ path: '/reports/large', heading: 'Large movies', rows: 'report-row' },
	{ path: '/reports/stale', heading: 'Stale content', rows: 'report-row' },
	{ path: '/reports/languages', heading: 'Language issues', rows: 'report-row' },
	{ path: '/reports/requests', heading: 'Jellyseerr requests', rows: 'report-row' },
	// The demo world's recent dates are relative to when it was made: its future-dated rows always are.
	{
		path: '/reports/recently-available?dates=future',
		heading: 'Recently available',
		rows: 'report-row'
	},
	{ path: '/reports/duplicates', heading: 'Duplicate tracks', rows: 'duplicate-group' },
	{
		path: '/reports/duplicates/albums',
		heading: 'Albums with duplicate tracks',
		rows: 'duplicate-album'
	},
	{ path: '/people', heading: 'People', rows: 'person' },
	{ path: '/assignments?kind=show', heading: 'Assignments', rows: 'library-row' },
	{ path: '/allowlists', heading: 'Allowlists', rows: 'entry-row' },
	{ path: '/deletions', heading: 'Deletions', rows: 'queue-row' },
	// No deletion has run yet in the demo world: its empty state.
	{ path: '/deletions/history', heading: 'Deletions' },
	{ path: '/deletions/audit', heading: 'Deletions', rows: 'audit-event' },
	{ path: '/deletions/settings', heading: 'Deletions', rows: 'library-delays' },
	{ path: '/settings', heading: 'Settings' },
	// Visited by a tenant: the "operators only" page (the console itself, with an operator's session,
	// has its own accessibility and 390 px checks in operator-console.spec.ts).
	{ path: '/operator', heading: 'Operator console' },
	{ path: '/reports/no-such-report', heading: 'Page not found' }
];

/**
 * A new account with the demo world connected and synced, one movie queued for deletion (so the
 * queue and the audit log have a row) and one allowlist entry, added as a person would.
 */
export async function demoWorld(page: Page) {
	const headers = await demoAccount(page);
	const rows = await reportRows(page, headers, 'large', 1);
	await queueFromReport(page, 'large', rows);

	await page.goto('/allowlists');
	await page.getByRole('button', { name: 'Add entry' }).first().click();
	const add = page.getByRole('dialog', { name: 'Add to an allowlist' });
	await add.getByLabel('Title').fill('The Matrix');
	await add.getByLabel('External id').fill('tmdb:603');
	await add.getByLabel(/^Note/).fill('Rewatch every year, whatever the reports say about it');
	await add.getByRole('button', { name: 'Add entry' }).click();
	await expect(add).toBeHidden();
	await expect(page.getByTestId('entry-row')).toHaveCount(1);
	return headers;
}

/** Open a page and wait until it has rendered: its heading, its rows, nothing loading. */
export async function openPage(page: Page, target: AppPage) {
	await page.goto(target.path);
	await expect(
		page.getByRole('heading', { level: 1, name: target.heading }),
		`${target.path}: heading`
	).toBeVisible({ timeout: 15_000 });
	if (target.rows) {
		await expect(page.getByTestId(target.rows).first(), `${target.path}: rows`).toBeVisible({
			timeout: 15_000
		});
	}
	await page.waitForLoadState('networkidle');
	await expect(page.locator('[aria-busy="true"]'), `${target.path}: still loading`).toHaveCount(0);
	await expect(page.getByText(/^Loading\b.*…$/).filter({ visible: true })).toHaveCount(0);
}
