import { expect, test } from '@playwright/test';
import { expectNoViolations, signUp } from './helpers';

/** An address that leads nowhere: said once, in words, with a way back; signed in or not. */
test('a page that does not exist says so once, with a way back', async ({ page }) => {
	await page.goto('/no-such-page');
	await expect(page).toHaveTitle('Page not found · Media Janitor');
	await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
	await expect(page.getByText(/not found/i)).toHaveCount(1);
	await expect(page.getByTestId('error-detail')).toContainText('/no-such-page');
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await expectNoViolations(page, `not found (${scheme})`);
	}
	await page.emulateMedia({ colorScheme: 'light' });

	await signUp(page);
	await page.goto('/reports/no-such-report');
	await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
	await page.getByRole('button', { name: 'Go back' }).click();
	await expect(page).not.toHaveURL(/no-such-report/);
	await page.goto('/nothing/here');
	await page.getByRole('link', { name: 'Back to the app' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
});
