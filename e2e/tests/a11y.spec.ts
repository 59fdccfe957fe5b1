import { expect, test } from '@playwright/test';
import { expectNoViolations, signUp } from './helpers';

for (const scheme of ['light', 'dark'] as const) {
	test(`no WCAG A/AA violations (${scheme})`, async ({ page }) => {
		test.setTimeout(60_000); // five axe runs; Settings carries the thresholds form too
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

		await page.getByRole('link', { name: 'Settings' }).click();
		await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
		await expectNoViolations(page, 'settings');

		await page.getByRole('button', { name: 'Delete account…' }).click();
		await expect(page.getByRole('dialog')).toBeVisible();
		await expectNoViolations(page, 'delete dialog');
	});
}
