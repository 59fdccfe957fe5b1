import { expect, test, type Page } from '@playwright/test';
import { expectFitsWidth, expectNoViolations, expectShell, logIn, signUp } from './helpers';
import { newOperator, operator } from './operator';

/**
 * The operator console: an account made an operator on the command line (`janitor accounts create`,
 * `janitor operator grant`) disables a tenant from /operator; the tenant's open session is signed
 * out at once and its sign-in refused; enabled again, it signs in. A tenant opening /operator sees
 * an "operators only" page.
 */

// The kill switch is the whole service's: never leave it on for the specs that follow.
test.afterEach(() => {
	operator('deletions', 'enable');
});

function tenantRow(page: Page, email: string) {
	return page.getByTestId('tenant-row').filter({ has: page.getByText(email, { exact: true }) });
}

test('an operator disables a tenant, who is signed out at once and refused, then enables it', async ({
	page,
	browser
}) => {
	test.setTimeout(120_000);
	// The tenant, signed in in a browser of their own.
	const tenantContext = await browser.newContext();
	const tenantPage = await tenantContext.newPage();
	const tenant = await signUp(tenantPage);
	await expect(
		tenantPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operator' })
	).toHaveCount(0);

	const op = await newOperator();
	await page.goto('/login');
	await logIn(page, op.email, op.password);
	await expectShell(page, op.email);
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Operator' })
		.click();
	await expect(page).toHaveURL(/\/operator$/);
	await expect(page.getByRole('heading', { level: 1, name: 'Operator console' })).toBeVisible();

	await page.getByRole('searchbox', { name: 'Search by e-mail' }).fill(tenant.email);
	await expect(page).toHaveURL(/\?q=/);
	const row = tenantRow(page, tenant.email);
	await expect(page.getByTestId('tenant-row')).toHaveCount(1);
	await expect(row.getByTestId('tenant-status')).toHaveText('Active');
	await expectNoViolations(page, 'operator console');

	await row.getByRole('button', { name: `Disable ${tenant.email}` }).click();
	const dialog = page.getByRole('dialog', { name: `Disable ${tenant.email}?` });
	await expect(dialog).toContainText('signed out everywhere at once');
	await dialog.getByLabel(/^Note for the audit log/).fill('e2e: abuse report');
	await dialog.getByRole('button', { name: 'Disable the account' }).click();
	await expect(dialog).toBeHidden();
	await expect(row.getByTestId('tenant-status')).toHaveText('Disabled');

	// The tenant's open session ends at once: the next page it opens sends it to the sign-in, and
	// signing in again is refused with the reason.
	await tenantPage
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Settings' })
		.click();
	await expect(tenantPage).toHaveURL(/\/login/);
	await logIn(tenantPage, tenant.email, tenant.password);
	await expect(tenantPage.getByRole('alert')).toContainText('disabled by the service');
	await expect(tenantPage).toHaveURL(/\/login/);

	await row.getByRole('button', { name: `Enable ${tenant.email}` }).click();
	const enable = page.getByRole('dialog', { name: `Enable ${tenant.email}?` });
	await enable.getByRole('button', { name: 'Enable the account' }).click();
	await expect(enable).toBeHidden();
	await expect(row.getByTestId('tenant-status')).toHaveText('Active');
	await logIn(tenantPage, tenant.email, tenant.password);
	await expectShell(tenantPage, tenant.email);

	// Both actions are in the operator audit log, with the note.
	const audit = page.getByTestId('audit-entry').filter({ hasText: tenant.email });
	await expect(audit).toHaveCount(2);
	await expect(audit.nth(0)).toContainText('Enabled an account');
	await expect(audit.nth(1)).toContainText('Disabled an account');
	await expect(audit.nth(1)).toContainText(`by ${op.email} · e2e: abuse report`);

	// A tenant opening the console sees why it cannot, not a crash.
	await tenantPage.goto('/operator');
	await expect(tenantPage.getByTestId('operators-only')).toContainText('Operators only');
	await expect(tenantPage.getByTestId('operators-only')).toContainText('janitor operator grant');
	await expectNoViolations(tenantPage, 'operator console, operators only');
	await tenantContext.close();
});

test('the kill switch from the console, the usage CSV, and the console on a phone', async ({
	page
}) => {
	const op = await newOperator();
	await page.goto('/login');
	await logIn(page, op.email, op.password);
	await expectShell(page, op.email);
	await page.goto('/operator');
	const card = page.getByTestId('kill-switch');
	await expect(card.getByTestId('kill-switch-state')).toContainText('Running');
	await card.getByRole('button', { name: 'Stop every deletion' }).click();
	const stop = page.getByRole('dialog', { name: 'Stop every deletion?' });
	await stop.getByLabel(/^Note for the audit log/).fill('disk check');
	await stop.getByRole('button', { name: 'Stop every deletion' }).click();
	await expect(stop).toBeHidden();
	await expect(card.getByTestId('kill-switch-state')).toContainText('Stopped');
	await expect(card.getByTestId('kill-switch-state')).toContainText('Note: disk check');
	expect(operator('deletions', 'status')).toContain('deletions are DISABLED for every account');
	await card.getByRole('button', { name: 'Let deletions run' }).click();
	await page
		.getByRole('dialog', { name: 'Let deletions run again?' })
		.getByRole('button', { name: 'Let deletions run' })
		.click();
	await expect(card.getByTestId('kill-switch-state')).toContainText('Running');

	const download = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Usage CSV' }).click();
	const file = await download;
	expect(file.suggestedFilename()).toMatch(/^media-janitor-usage-\d{4}-\d{2}-\d{2}\.csv$/);
	await expect(page.getByTestId('audit-entry').first()).toContainText(
		'Downloaded the usage figures'
	);

	await page.setViewportSize({ width: 390, height: 844 });
	await page.reload();
	await expect(page.getByRole('heading', { level: 1, name: 'Operator console' })).toBeVisible();
	await expectFitsWidth(page, 'operator console at 390 px');
	await expectNoViolations(page, 'operator console at 390 px');
});

test('Download my data from Settings', async ({ page }) => {
	const me = await signUp(page);
	await page.goto('/settings');
	const download = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Download my data' }).click();
	const file = await download;
	expect(file.suggestedFilename()).toMatch(/^media-janitor-export-\d{4}-\d{2}-\d{2}\.json$/);
	const body = JSON.parse(
		await (await import('node:fs/promises')).readFile(await file.path(), 'utf-8')
	);
	expect(body.account.email).toBe(me.email);
	expect(body.connections).toEqual([]);
});
