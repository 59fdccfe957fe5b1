import { expect, test } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { expectShell, signUp } from './helpers';

const unauthorized = {
	status: 401,
	contentType: 'application/json',
	body: JSON.stringify({ error: 'invalid_token', detail: 'The access token has expired.' })
};

test('an expired access token is refreshed once and the request retried', async ({ page }) => {
	const { email } = await signUp(page);

	let refreshes = 0;
	page.on('request', (req) => {
		if (req.url().endsWith('/api/v1/auth/refresh')) refreshes++;
	});
	// The API rejects the next account request as if the token had expired.
	let rejected = 0;
	await page.route('**/api/v1/account', async (route) => {
		if (rejected++ === 0) return route.fulfill(unauthorized);
		return route.continue();
	});

	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Settings' })
		.click();
	await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
	await expect(page.getByRole('main').getByText(email)).toBeVisible();
	expect(rejected).toBe(2);
	expect(refreshes).toBe(1);
});

test('when the refresh fails too, the user is sent to login and back', async ({ page }) => {
	const { email, password } = await signUp(page);
	await page.route('**/api/v1/account', (route) => route.fulfill(unauthorized));
	await page.route('**/api/v1/auth/refresh', (route) =>
		route.fulfill({
			...unauthorized,
			body: JSON.stringify({ error: 'invalid_refresh_token', detail: 'Please log in again.' })
		})
	);

	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Settings' })
		.click();
	await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);

	await page.unrouteAll({ behavior: 'wait' });
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page).toHaveURL(/\/settings$/);
	await expectShell(page, email);
});

test('first-load JavaScript stays within budget (150 KB gzipped)', async ({ page }) => {
	const sizes = new Map<string, number>();
	page.on('response', async (res) => {
		const url = new URL(res.url());
		if (!url.pathname.endsWith('.js')) return;
		const body = await res.body().catch(() => null);
		if (body) sizes.set(url.pathname, gzipSync(body, { level: 9 }).length);
	});
	// Cold start on the sign-up page, then into the app shell and dashboard.
	await signUp(page);
	await expect(page.getByText('System status')).toBeVisible();
	await page.waitForLoadState('networkidle');
	const total = [...sizes.values()].reduce((a, b) => a + b, 0);
	console.log(`first-load JS: ${sizes.size} files, ${(total / 1024).toFixed(1)} KB gzipped`);
	expect(total).toBeLessThan(150 * 1024);
});
