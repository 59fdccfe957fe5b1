import { expect, test } from '@playwright/test';
import { connectAndSyncDemo } from './demo';
import { expectNoViolations, signUp } from './helpers';
import { SIGNED_IN_PAGES, SIGNED_OUT_PAGES, demoWorld, openPage } from './pages';
import { openShowSheet } from './sheet';
import { simInfo } from './sim';

for (const scheme of ['light', 'dark'] as const) {
	test(`no WCAG A/AA violations (${scheme})`, async ({ page }) => {
		test.setTimeout(90_000); // nine axe runs; Settings carries the thresholds form too
		await page.emulateMedia({ colorScheme: scheme });

		await page.goto('/login');
		await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
		await expectNoViolations(page, 'login');

		await page.goto('/signup');
		await page.getByLabel('Password', { exact: true }).fill('short');
		await expectNoViolations(page, 'signup');

		await signUp(page);
		await expect(page.getByText('System status')).toBeVisible();
		await expectNoViolations(page, 'dashboard');

		// The Deletions pages of an account without servers yet (with data: the deletions specs).
		for (const [path, marker] of [
			['/deletions', 'queue-empty'],
			['/deletions/history', 'history-empty'],
			['/deletions/audit', 'audit-empty'],
			['/deletions/settings', 'library-delays']
		] as const) {
			await page.goto(path);
			await expect(page.getByTestId('no-media-server')).toBeVisible();
			await expect(page.getByTestId(marker)).toBeVisible();
			await expectNoViolations(page, path);
		}

		await page
			.getByRole('navigation', { name: 'Main' })
			.getByRole('link', { name: 'Settings' })
			.click();
		await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
		await expectNoViolations(page, 'settings');

		await page.getByRole('button', { name: 'Delete account…' }).click();
		await expect(page.getByRole('dialog')).toBeVisible();
		await expectNoViolations(page, 'delete dialog');
	});
}

test('people, assignments and an item sheet: no WCAG A/AA violations (light and dark)', async ({
	page,
	request
}) => {
	test.setTimeout(120_000);
	await signUp(page);
	await connectAndSyncDemo(page, await simInfo(request));
	// A show with someone assigned: the sheet then shows its people and its episode grid.
	const sheet = await openShowSheet(page, { assignFirst: true });
	await page.keyboard.press('Escape');

	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await page.goto('/people');
		await expect(page.getByTestId('person').first()).toBeVisible();
		await expectNoViolations(page, `people (${scheme})`);

		await page
			.getByRole('button', { name: /^Link people into / })
			.first()
			.click();
		await expect(page.getByRole('dialog')).toBeVisible();
		await expectNoViolations(page, `link dialog (${scheme})`);
		await page.keyboard.press('Escape');

		await page.goto('/assignments?kind=show');
		await expect(page.getByTestId('library-row').first()).toBeVisible();
		await expectNoViolations(page, `assignments (${scheme})`);

		await page.getByRole('button', { name: /^Assign \d+ matching items…$/ }).click();
		await expect(page.getByTestId('assign-form')).toBeVisible();
		await expectNoViolations(page, `assign dialog (${scheme})`);
		await page.keyboard.press('Escape');

		await page
			.getByRole('button', { name: /^Details of .* on Home Server$/ })
			.first()
			.click();
		await expect(sheet.getByTestId('watch-grid')).toBeVisible();
		await expectNoViolations(page, `item sheet (${scheme})`);
		await page.keyboard.press('Escape');
	}
});

/** Every page, signed out and (with the demo world's rows) signed in, in light and dark mode. */
test('every page: no serious or critical accessibility violation (light and dark)', async ({
	page
}) => {
	test.setTimeout(600_000); // every page in two themes: about 5 minutes on a busy 2-core machine
	const serious = ['serious', 'critical'];
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		for (const target of SIGNED_OUT_PAGES) {
			await openPage(page, target);
			await expectNoViolations(page, `${target.path} (${scheme})`, serious);
		}
	}
	await demoWorld(page);
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		for (const target of SIGNED_IN_PAGES) {
			await openPage(page, target);
			await expectNoViolations(page, `${target.path} (${scheme})`, serious);
		}
	}
});
