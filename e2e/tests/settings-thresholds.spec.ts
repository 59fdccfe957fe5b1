import { expect, test, type Page } from '@playwright/test';
import { expectNoViolations, signUp } from './helpers';

function thresholds(page: Page) {
	return page.getByRole('form', { name: 'Report thresholds' });
}

test('change thresholds, see them persist; a bad value shows its field error and saves nothing', async ({
	page
}) => {
	await signUp(page);
	await page.goto('/settings');
	const form = thresholds(page);
	await expect(form.getByLabel('Stale after', { exact: true })).toHaveValue('4');
	await expect(form.getByLabel('Large movie size', { exact: true })).toHaveValue('13');

	// Change three values: the page says which ones it saved.
	const patch = page.waitForResponse(
		(r) => r.url().endsWith('/api/v1/settings/reports') && r.request().method() === 'PATCH'
	);
	await form.getByLabel('Stale after', { exact: true }).fill('9');
	await form.getByLabel('Required audio languages', { exact: true }).fill('EN, de, en');
	await form.getByLabel('Strict matching', { exact: true }).click();
	await expect(form.getByText('Unsaved changes')).toBeVisible();
	await form.getByRole('button', { name: 'Save thresholds' }).click();
	expect((await patch).status()).toBe(200);
	await expect(form.getByTestId('thresholds-saved')).toContainText(
		'Saved: Stale after, Required audio languages, Strict matching.'
	);
	// The server's normalised list comes back.
	await expect(form.getByLabel('Required audio languages', { exact: true })).toHaveValue('en, de');

	await page.reload();
	await expect(thresholds(page).getByLabel('Stale after', { exact: true })).toHaveValue('9');
	await expect(
		thresholds(page).getByLabel('Required audio languages', { exact: true })
	).toHaveValue('en, de');
	await expect(thresholds(page).getByRole('switch', { name: 'Strict matching' })).toHaveAttribute(
		'aria-checked',
		'true'
	);

	// A bad value: said under its field in the server's words (the API schema's bounds), before
	// anything is sent; nothing is saved (not even the good one).
	const sent: string[] = [];
	page.on('request', (r) => {
		if (r.url().endsWith('/api/v1/settings/reports') && r.method() === 'PATCH') sent.push(r.url());
	});
	await thresholds(page).getByLabel('Large movie size', { exact: true }).fill('50');
	await thresholds(page).getByLabel('Stale after', { exact: true }).fill('0');
	const staleError = page.locator('#setting-stale_months-error');
	await expect(staleError).toHaveText('At least 1 month');
	await thresholds(page).getByLabel('Stuck after', { exact: true }).fill('400');
	await expect(page.locator('#setting-stuck_request_days-error')).toHaveText('At most 365 days');
	await thresholds(page).getByLabel('Stuck after', { exact: true }).fill('1.5');
	await expect(page.locator('#setting-stuck_request_days-error')).toHaveText(
		'Must be a whole number'
	);
	await thresholds(page).getByLabel('Stuck after', { exact: true }).fill('7');
	await expect(page.locator('#setting-stuck_request_days-error')).toHaveCount(0);
	await thresholds(page).getByRole('button', { name: 'Save thresholds' }).click();
	await expect(thresholds(page).getByTestId('thresholds-error')).toHaveText(
		'Nothing was saved: fix the value marked below.'
	);
	await expect(staleError).toHaveText('At least 1 month');
	await expect(thresholds(page).getByLabel('Stale after', { exact: true })).toHaveAttribute(
		'aria-invalid',
		'true'
	);
	expect(sent).toEqual([]);
	await page.screenshot({ path: 'test-results/settings-thresholds-error.png', fullPage: true });

	// A word that is no language: the server's message, next to the field.
	await thresholds(page).getByLabel('Stale after', { exact: true }).fill('9');
	await thresholds(page)
		.getByLabel('Required subtitle languages', { exact: true })
		.fill('fr, englsh');
	await thresholds(page).getByRole('button', { name: 'Save thresholds' }).click();
	await expect(page.locator('#setting-required_subtitle_languages-error')).toHaveText(
		"'englsh' is not a language we know; write an ISO 639 code (fr, fre or fra) or an English name (French)"
	);
	// The server's message is at its field, never in the banner.
	await expect(thresholds(page).getByTestId('thresholds-error')).toHaveText(
		'Nothing was saved: fix the value marked below.'
	);
	expect(sent).toHaveLength(1);

	// Reloading with unsaved changes: the browser asks first.
	page.once('dialog', (dialog) => dialog.accept());
	await page.reload();
	await expect(thresholds(page).getByLabel('Large movie size', { exact: true })).toHaveValue('13');
	await expect(thresholds(page).getByLabel('Stale after', { exact: true })).toHaveValue('9');
	// None chosen yet (a new account requires no language until its owner says which).
	await expect(
		thresholds(page).getByLabel('Required subtitle languages', { exact: true })
	).toHaveValue('');
});

for (const scheme of ['light', 'dark'] as const) {
	test(`settings with thresholds: no WCAG A/AA violations (${scheme})`, async ({ page }) => {
		test.setTimeout(60_000); // several axe runs
		await page.emulateMedia({ colorScheme: scheme });
		await signUp(page);
		await page.goto('/settings');
		await expect(thresholds(page)).toBeVisible();
		await expectNoViolations(page, 'settings');
		// With field errors showing.
		await thresholds(page).getByLabel('Stale after', { exact: true }).fill('0');
		await thresholds(page).getByLabel('Required audio languages', { exact: true }).fill('english');
		await thresholds(page).getByRole('button', { name: 'Save thresholds' }).click();
		await expect(thresholds(page).getByTestId('thresholds-error')).toBeVisible();
		await expectNoViolations(page, 'settings with errors');
	});
}
