import { expect, test, type Page } from '@playwright/test';
import { connectAndSyncDemo } from './demo';
import { signUp } from './helpers';
import { openShowSheet } from './sheet';
import { simInfo } from './sim';

/**
 * The app works under its Content-Security-Policy: every page, with data, opened dialogs and the
 * live sync panel, without a single CSP violation (reported by the browser's console, the
 * `securitypolicyviolation` event, or an uncaught error).
 */

const PAGES = [
	{ path: '/dashboard', heading: 'Dashboard' },
	{ path: '/setup', heading: 'Get started' },
	{ path: '/connections', heading: 'Connections' },
	{ path: '/libraries', heading: 'Libraries' },
	{ path: '/libraries/history', heading: null },
	{ path: '/reports', heading: 'Reports' },
	{ path: '/reports/stale', heading: 'Stale content' },
	{ path: '/reports/large', heading: 'Large movies' },
	{ path: '/reports/duplicates', heading: 'Duplicate tracks' },
	{ path: '/reports/duplicates/albums', heading: null },
	{ path: '/reports/languages', heading: 'Language issues' },
	{ path: '/reports/requests', heading: 'Jellyseerr requests' },
	{ path: '/reports/recently-available', heading: 'Recently available' },
	{ path: '/people', heading: 'People' },
	{ path: '/assignments', heading: 'Assignments' },
	{ path: '/allowlists', heading: 'Allowlists' },
	{ path: '/deletions', heading: 'Deletions' },
	{ path: '/deletions/history', heading: 'Deletions' },
	{ path: '/deletions/audit', heading: 'Deletions' },
	{ path: '/deletions/settings', heading: 'Deletions' },
	{ path: '/settings', heading: 'Settings' }
] as const;

function watchForViolations(page: Page): string[] {
	const problems: string[] = [];
	page.on('console', (msg) => {
		const text = msg.text();
		if (
			/Content Security Policy|Refused to (execute|load|apply|connect|frame)|csp-violation/i.test(
				text
			)
		) {
			problems.push(`console: ${text}`);
		}
	});
	page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
	// Playwright's init script is injected by the browser's debugger, outside the page's CSP.
	void page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			console.error(
				`csp-violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`
			);
		});
	});
	return problems;
}

test('every page works under the Content-Security-Policy', async ({ page, request }) => {
	test.setTimeout(180_000);
	const problems = watchForViolations(page);

	const login = await page.goto('/login');
	const csp = login!.headers()['content-security-policy'] ?? '';
	expect(csp).toMatch(/script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')+;/);
	expect(csp).toContain("frame-ancestors 'none'");
	expect(csp).not.toMatch(/script-src[^;]*unsafe/);
	await page.waitForLoadState('networkidle');
	expect(problems, 'login').toEqual([]);
	await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();

	await page.goto('/signup');
	await expect(page.getByRole('button', { name: 'Create account' })).toBeVisible();
	await signUp(page);
	await connectAndSyncDemo(page, await simInfo(request));

	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		for (const { path, heading } of PAGES) {
			// A full load each time: the inline scripts (theme, bootstrap) run on every one.
			await page.goto(path);
			const h1 = page.getByRole('heading', { level: 1 });
			await page.waitForLoadState('networkidle');
			expect(problems, `${path} (${scheme})`).toEqual([]);
			if (heading) await expect(h1).toHaveText(heading);
			else await expect(h1).toBeVisible();
		}
	}

	// The item sheet (a dialog over the page, with the assign form and the episode grid).
	const sheet = await openShowSheet(page);
	await expect(sheet.getByRole('heading', { name: 'Watch status' })).toBeVisible();
	await page.keyboard.press('Escape');
	await expect(sheet).toBeHidden();
	expect(problems, 'item sheet').toEqual([]);

	// The deletion dialogs: leaving dry-run (the caps, loaded) and queueing from a report.
	await page.goto('/deletions');
	await page
		.getByRole('status', { name: 'Home Server is in dry-run' })
		.getByRole('button', { name: 'Leave dry-run…' })
		.click();
	await expect(page.getByRole('dialog').getByTestId('live-caps')).toBeVisible();
	await page.keyboard.press('Escape');
	await page.goto('/reports/large');
	await page
		.getByRole('checkbox', { name: /^Select / })
		.nth(1)
		.check();
	await page.getByRole('button', { name: 'Queue for deletion…' }).click();
	await expect(page.getByRole('dialog')).toBeVisible();
	await page.keyboard.press('Escape');
	await page.waitForLoadState('networkidle');
	expect(problems, 'deletion dialogs').toEqual([]);

	// Client-side navigation, a dialog with its transition, and the account menu.
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Dashboard' })
		.click();
	await expect(page.getByText('System status')).toBeVisible();
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Settings' })
		.click();
	await page.getByRole('button', { name: 'Delete account…' }).click();
	await expect(page.getByRole('dialog')).toBeVisible();
	await page.keyboard.press('Escape');
	await expect(page.getByRole('dialog')).toBeHidden();

	expect(problems).toEqual([]);
});
