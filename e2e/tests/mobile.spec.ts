import { expect, test } from '@playwright/test';
import { newPassword, uniqueEmail } from './helpers';

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });

test('on a phone the navigation lives in a drawer', async ({ page }) => {
	const email = uniqueEmail();
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(newPassword());
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

	// The sidebar is hidden; the menu button opens the drawer.
	await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
	await page.getByRole('button', { name: 'Open navigation' }).click();
	const nav = page.getByRole('navigation', { name: 'Main' });
	await expect(nav).toBeVisible();
	await page.screenshot({ path: 'test-results/mobile-drawer.png' });

	await nav.getByRole('link', { name: 'Reports' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
	await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
	await page.screenshot({ path: 'test-results/mobile-reports.png', fullPage: true });

	// The account menu still works without the email on screen.
	await page.getByRole('button', { name: `Account menu: ${email}` }).click();
	await expect(page.getByRole('menuitem', { name: 'Log out' })).toBeVisible();
});
