import { expect, test, type Page } from '@playwright/test';
import { demoAccount, queueFromReport, queueRow, queuedTitle, reportRows } from './deletions';
import { expectNoViolations } from './helpers';
import { operator } from './operator';

/**
 * The operator's kill switch (`janitor deletions disable`, on the server): every owner sees why
 * nothing is deleted, a row run now waits with the check that held it back in the audit log,
 * cancelling still works, and `janitor deletions enable` lets deletions go on.
 */

// The switch is the whole service's: never leave it on for the specs that follow.
test.afterEach(() => {
	operator('deletions', 'enable');
});

function tab(page: Page, name: string) {
	return page.getByRole('navigation', { name: 'Deletions' }).getByRole('link', { name });
}

test("the operator's kill switch: a banner, nothing runs, cancelling still works", async ({
	page
}) => {
	test.setTimeout(180_000);
	const headers = await demoAccount(page);
	const rows = await reportRows(page, headers, 'large', 2);
	await queueFromReport(page, 'large', rows);
	const [first, second] = rows.map(queuedTitle) as [string, string];

	expect(operator('deletions', 'disable', '--note', 'disk check until 18:00')).toContain(
		'deletions are DISABLED for every account'
	);
	await page.goto('/deletions');
	const banner = page.getByTestId('operator-banner');
	await expect(banner).toContainText(
		'The operator of this Media Janitor turned every deletion off'
	);
	await expect(banner).toContainText('“disk check until 18:00”');
	await expectNoViolations(page, 'deletion queue, stopped by the operator');

	// Run now: the deleter looks, finds the switch on, and the row waits (not even a dry run).
	await queueRow(page, first)
		.getByRole('button', { name: `More actions for ${first}` })
		.click();
	await page.getByRole('menuitem', { name: 'Run now…' }).click();
	const dialog = page.getByRole('dialog', { name: `Run “${first}” now?` });
	await dialog.getByRole('button', { name: /^Run now/ }).click();
	await expect(dialog).toBeHidden();
	await expect(page.getByTestId('queue-notice')).toContainText('is due now');
	await tab(page, 'Audit log').click();
	await expect(page).toHaveURL(/\/deletions\/audit/);
	const waiting = page
		.getByTestId('audit-event')
		.filter({ has: page.getByTestId('event-kind').getByText('Waiting') })
		.filter({ hasText: first });
	await expect(async () => {
		await page.reload();
		await expect(waiting).toHaveCount(1, { timeout: 2_000 });
	}).toPass({ timeout: 30_000 });
	await waiting.getByText('What was checked').click();
	await expect(waiting.getByRole('listitem').filter({ hasText: 'Kill switches' })).toContainText(
		'Did not pass'
	);
	await expect(
		page.getByTestId('audit-event').filter({ hasText: 'Dry run: would delete' })
	).toHaveCount(0);

	// Cancelling still works while everything is stopped.
	await tab(page, 'Queue').click();
	await expect(queueRow(page, first).getByTestId('row-status')).toHaveText('Waiting');
	await expect(queueRow(page, first).getByTestId('row-waiting')).toContainText('operator');
	await queueRow(page, second)
		.getByRole('button', { name: `Cancel the deletion of ${second}` })
		.click();
	await expect(page.getByTestId('queue-notice')).toHaveText(
		`Cancelled “${second}”: it will not be deleted.`
	);

	// The dashboard says so too; turned back on, the banner goes.
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Dashboard' })
		.click();
	await expect(page.getByTestId('deletions-card')).toContainText('Stopped by the operator');
	expect(operator('deletions', 'enable')).toContain('deletions are enabled');
	await page.goto('/deletions');
	await expect(page.getByRole('heading', { level: 1, name: 'Deletions' })).toBeVisible();
	await expect(page.getByTestId('operator-banner')).toHaveCount(0);
});
