import { expect, test } from '@playwright/test';
import { demoAccount, queueFromReport, queueRow, queuedTitle, reportRows } from './deletions';
import { expectNoViolations } from './helpers';

/**
 * The deletion queue: rows queued from a report with a live countdown, cancelled, kept forever
 * (the Protected list) and postponed; its filters live in the URL; the empty queue says how
 * items get there. Nothing here deletes anything (every server stays in dry-run).
 */
test('queue from a report, count down, cancel, keep forever, postpone, filter', async ({
	page
}) => {
	test.setTimeout(180_000);
	const headers = await demoAccount(page);

	// The empty queue says how items get there; every new server is in dry-run.
	await page.goto('/deletions');
	await expect(page.getByRole('heading', { level: 1, name: 'Deletions' })).toBeVisible();
	await expect(page.getByTestId('queue-empty')).toContainText('Nothing is queued for deletion');
	await expect(page.getByTestId('queue-empty')).toContainText('Queue for deletion');
	await expect(page.getByTestId('dry-run-banner')).toHaveCount(2);
	await expect(page.getByRole('status', { name: 'Home Server is in dry-run' })).toContainText(
		'only record what they would delete'
	);
	await expectNoViolations(page, 'empty deletion queue');

	// A one-hour delay, so the countdown runs in seconds.
	await page
		.getByRole('navigation', { name: 'Deletions' })
		.getByRole('link', { name: 'Settings' })
		.click();
	await expect(page).toHaveURL(/\/deletions\/settings$/);
	await page.getByLabel('Wait before deleting').fill('1');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await expect(page.getByTestId('settings-saved')).toHaveText('Saved: Wait before deleting.');

	const rows = await reportRows(page, headers, 'large', 3);
	await queueFromReport(page, 'large', rows);
	const [first, second, third] = rows.map(queuedTitle);

	await page.goto('/deletions');
	await expect(page.getByTestId('queue-row')).toHaveCount(3);
	const row = queueRow(page, first);
	await expect(row.getByTestId('row-kind')).toHaveText('From a report');
	await expect(row).toContainText('Large movies');
	await expect(row.getByTestId('row-place')).toHaveText('Home Server · Movies');
	await expect(row.getByTestId('row-why')).toContainText('above the');
	await expect(row.getByTestId('row-status')).toHaveText('Scheduled');
	const countdown = row.getByTestId('countdown');
	await expect(countdown).toHaveText(/^in (59|60) min \d\d s$|^in 1 h 0 min$/);
	const before = await countdown.textContent();
	await expect(countdown).not.toHaveText(before!, { timeout: 3000 }); // it ticks
	await expect(page.getByTestId('queue-summary')).toContainText('3 items queued');
	await expectNoViolations(page, 'deletion queue');
	await page.screenshot({ path: 'test-results/deletion-queue.png', fullPage: true });

	// Cancel: the row leaves the queue.
	await queueRow(page, first)
		.getByRole('button', { name: `Cancel the deletion of ${first}` })
		.click();
	await expect(page.getByTestId('queue-notice')).toHaveText(
		`Cancelled “${first}”: it will not be deleted.`
	);
	await expect(queueRow(page, first)).toHaveCount(0);

	// Keep forever: cancelled and on the Protected list, in one click.
	await queueRow(page, second)
		.getByRole('button', { name: `Keep forever: ${second}` })
		.click();
	await expect(page.getByTestId('queue-notice')).toContainText('added it to the Protected list');
	await expect(queueRow(page, second)).toHaveCount(0);

	// Postpone by a week: the countdown moves.
	await queueRow(page, third)
		.getByRole('button', { name: `More actions for ${third}` })
		.click();
	await page.getByRole('menuitem', { name: 'Postpone…' }).click();
	const postpone = page.getByRole('dialog', { name: `Postpone “${third}”` });
	await postpone.getByRole('radio', { name: '1 week' }).check();
	await postpone.getByLabel('Note').fill('after the holidays');
	await postpone.getByRole('button', { name: 'Postpone' }).click();
	await expect(postpone).toBeHidden();
	await expect(page.getByTestId('queue-notice')).toContainText(`Postponed “${third}”: now due`);
	await expect(queueRow(page, third).getByTestId('countdown')).toHaveText(/^in 7 d [01] h$/);

	// The Protected list has the kept title.
	await page.goto('/allowlists');
	await expect(page.getByTestId('entry-row').filter({ hasText: rows[1].title })).toHaveCount(1);

	// Filters live in the URL and survive a reload; an empty result says so and clears.
	await page.goto('/deletions');
	await page.getByLabel('Status', { exact: true }).selectOption('executing');
	await expect(page).toHaveURL(/status=executing/);
	await expect(page.getByTestId('list-empty')).toContainText('Nothing matches these filters');
	await page.reload();
	await expect(page.getByLabel('Status', { exact: true })).toHaveValue('executing');
	await page.getByRole('button', { name: 'Clear filters' }).click();
	await expect(page).toHaveURL(/\/deletions$/);
	await expect(page.getByTestId('queue-row')).toHaveCount(1);
	await page.getByLabel('Server', { exact: true }).selectOption({ label: 'Jellyfin' });
	await expect(page).toHaveURL(/server=/);
	await expect(page.getByTestId('list-empty')).toBeVisible();
	await page.getByLabel('Server', { exact: true }).selectOption({ label: 'Home Server' });
	await expect(queueRow(page, third)).toHaveCount(1);
	await page.getByLabel('Kind', { exact: true }).selectOption('duplicate');
	await expect(page.getByTestId('list-empty')).toBeVisible();
	await page.goBack();
	await expect(queueRow(page, third)).toHaveCount(1);
	await page.getByLabel('Search titles').fill(rows[2].title.slice(0, 6));
	await expect(page).toHaveURL(/q=/);
	await expect(page.getByTestId('queue-row')).toHaveCount(1);

	// The audit log tells the story: queued, cancelled, postponed.
	await page
		.getByRole('navigation', { name: 'Deletions' })
		.getByRole('link', { name: 'Audit log' })
		.click();
	const events = page.getByTestId('audit-event');
	await expect(events.filter({ hasText: 'Queued' })).toHaveCount(3);
	await expect(events.filter({ hasText: 'Cancelled' })).toHaveCount(2);
	await expect(events.filter({ hasText: 'after the holidays' })).toHaveCount(1);
	await expect(
		events.filter({ hasText: second }).filter({ hasText: 'added to the Protected list' })
	).toHaveCount(1);
});
