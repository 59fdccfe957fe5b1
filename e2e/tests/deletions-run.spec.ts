import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import {
	allowMediaDeletion,
	demoAccount,
	historyRow,
	queueFromReport,
	queueRow,
	queuedTitle,
	reportRows,
	resetSim
} from './deletions';
import { expectNoViolations } from './helpers';
import { SIM_URL } from './sim';

/**
 * A deletion from end to end, through the pages a person uses: queued from a report, run in
 * dry-run (recorded in the history as "would delete", nothing deleted), dry-run left through its
 * dialog (the server refusing, then the caps changing meanwhile, then confirmed), run for real (the
 * simulator records one DELETE), then in the history with the space freed, in the audit log and its
 * CSV export, and on the dashboard; back to dry-run from the same place.
 */

// The deletion changes the shared simulator: put its world back for the specs that follow.
test.afterEach(async ({ request }) => {
	await resetSim(request);
});

function tab(page: Page, name: string) {
	return page.getByRole('navigation', { name: 'Deletions' }).getByRole('link', { name });
}

test('dry-run, leave dry-run, delete for real: history, audit log, CSV, dashboard', async ({
	page
}) => {
	test.setTimeout(240_000);
	const headers = await demoAccount(page);
	const [movie] = await reportRows(page, headers, 'large', 1);
	const title = queuedTitle(movie);
	await queueFromReport(page, 'large', [movie]);

	// 1. Run now, in dry-run: the row is recorded as what would be deleted, and stays queued.
	await page.goto('/deletions');
	await queueRow(page, title)
		.getByRole('button', { name: `More actions for ${title}` })
		.click();
	await page.getByRole('menuitem', { name: 'Run now…' }).click();
	const dry = page.getByRole('dialog', { name: `Run “${title}” now?` });
	await expect(dry.getByTestId('run-now-mode')).toContainText('Home Server is in dry-run');
	await dry.getByRole('button', { name: 'Run now (dry run)' }).click();
	await expect(dry).toBeHidden();
	await expect(page.getByTestId('queue-notice')).toContainText('a dry run checks it');
	await expect(queueRow(page, title).getByTestId('row-status')).toHaveText(
		'Would delete (dry run)',
		{ timeout: 30_000 }
	);
	await expect(queueRow(page, title).getByTestId('countdown')).toHaveText('due now');

	// The history keeps it as "would delete"; nothing was freed.
	await tab(page, 'History').click();
	const recorded = historyRow(page, title);
	await expect(recorded.getByTestId('row-status')).toHaveText('Would delete (dry run)');
	const size = (await recorded.getByTestId('row-size').textContent())!.trim();
	await expect(page.getByTestId('dry-run-bytes')).toHaveText(size);
	await expect(page.getByTestId('bytes-freed')).toHaveText('0 B');
	await page.getByLabel('Outcome', { exact: true }).selectOption('dry_run');
	await expect(page).toHaveURL(/status=dry_run/);
	await expect(historyRow(page, title)).toHaveCount(1);
	await page.getByLabel('Outcome', { exact: true }).selectOption('deleted');
	await expect(page.getByTestId('list-empty')).toBeVisible();
	await expectNoViolations(page, 'deletion history');

	// The audit log says what the dry run checked.
	await tab(page, 'Audit log').click();
	const dryEvent = page.getByTestId('audit-event').filter({ hasText: 'Dry run: would delete' });
	await expect(dryEvent).toHaveCount(1);
	await dryEvent.getByText('What was checked').click();
	await expect(dryEvent).toContainText('Dry-run: dry-run: recorded, nothing deleted');
	await expect(dryEvent).toContainText('Allowlists: not protected');
	expect(
		(
			(await (await page.request.get(`${SIM_URL}/_admin/mutations?kind=delete`)).json()) as {
				ratingKey: string;
			}[]
		).filter((m) => m.ratingKey === movie.upstream_id)
	).toEqual([]);

	// 2. Leave dry-run: the server refuses first (Plex's "Allow media deletion" is off).
	await allowMediaDeletion(page.request, false);
	await page
		.getByRole('status', { name: 'Home Server is in dry-run' })
		.getByRole('button', { name: 'Leave dry-run…' })
		.click();
	const live = page.getByRole('dialog', { name: 'Leave dry-run on Home Server?' });
	await expect(live.getByTestId('live-caps')).toContainText('Items per run');
	await expect(live.getByTestId('live-caps')).toContainText('25');
	await expect(live.getByTestId('live-warning')).toContainText('Radarr or Sonarr');
	const leave = live.getByRole('button', { name: 'Leave dry-run', exact: true });
	await expect(leave).toBeDisabled();
	const understood = live.getByLabel(
		'I understand that files on Home Server will be deleted for real.'
	);
	await understood.check();
	await expectNoViolations(page, 'leave dry-run dialog');
	await page.screenshot({ path: 'test-results/leave-dry-run.png' });
	await leave.click();
	await expect(live.getByTestId('live-error')).toContainText(
		'Home Server does not allow deletions'
	);
	await expect(live.getByTestId('live-error')).toContainText('Allow media deletion');

	// Allowed now; but the caps change meanwhile (another tab): the new ones are shown to confirm.
	await allowMediaDeletion(page.request, true);
	const put = await page.request.put('/api/v1/deletions/settings', {
		headers,
		data: { max_run_items: 30 }
	});
	expect(put.ok()).toBe(true);
	await leave.click();
	await expect(live.getByTestId('live-error')).toContainText('The caps changed meanwhile');
	await expect(live.getByTestId('live-caps')).toContainText('30');
	await expect(understood).not.toBeChecked();
	await understood.check();
	await leave.click();
	await expect(live).toBeHidden();
	await expect(page.getByTestId('mode-notice')).toContainText('Home Server left dry-run');
	await expect(page.getByTestId('dry-run-banner')).toHaveCount(1); // Jellyfin's
	await expect(page.getByRole('group', { name: 'Home Server deletes for real' })).toBeVisible();

	// 3. Run now, for real: the file goes; the simulator recorded one DELETE of that item.
	await tab(page, 'Queue').click();
	await queueRow(page, title)
		.getByRole('button', { name: `More actions for ${title}` })
		.click();
	await page.getByRole('menuitem', { name: 'Run now…' }).click();
	const real = page.getByRole('dialog', { name: `Run “${title}” now?` });
	await expect(real.getByTestId('run-now-mode')).toContainText('This deletes the file for real');
	await real.getByRole('button', { name: 'Delete now' }).click();
	await expect(real).toBeHidden();
	await expect(queueRow(page, title)).toHaveCount(0, { timeout: 30_000 });
	await expect(page.getByTestId('queue-empty')).toBeVisible();
	const deletes = (
		(await (await page.request.get(`${SIM_URL}/_admin/mutations?kind=delete`)).json()) as {
			ratingKey: string;
		}[]
	).filter((m) => m.ratingKey === movie.upstream_id);
	expect(deletes).toHaveLength(1);

	// The history: deleted, with the space freed.
	await tab(page, 'History').click();
	await expect(historyRow(page, title).getByTestId('row-status')).toHaveText('Deleted');
	await expect(historyRow(page, title)).toContainText(`${size} freed`);
	await expect(page.getByTestId('bytes-freed')).toHaveText(size);
	await expect(page.getByTestId('deleted-count')).toHaveText('1');
	await page.getByLabel('Period', { exact: true }).selectOption('24h');
	await expect(page).toHaveURL(/period=24h/);
	await expect(page.getByTestId('bytes-freed')).toHaveText(size);
	await page.screenshot({ path: 'test-results/deletion-history.png', fullPage: true });

	// The audit log: sent and verified gone; filtered by event; exported as CSV with the token.
	await tab(page, 'Audit log').click();
	await page.getByLabel('Event', { exact: true }).selectOption('verified');
	await expect(page).toHaveURL(/event=verified/);
	const verified = page.getByTestId('audit-event');
	await expect(verified).toHaveCount(1);
	await expect(verified).toContainText(title);
	await expect(verified.getByTestId('event-kind')).toHaveText('Verified gone');
	await page.getByLabel('Event', { exact: true }).selectOption('');
	await expect(
		page.getByTestId('audit-event').filter({ hasText: 'Deleted on the server' })
	).toHaveCount(1);
	await page.getByLabel('Search titles, messages and servers').fill(movie.title);
	await expect(page).toHaveURL(/q=/);
	const download = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export CSV' }).click();
	const file = await download;
	expect(file.suggestedFilename()).toBe('media-janitor-deletion-audit.csv');
	const csv = await readFile((await file.path())!, 'utf-8');
	const lines = csv.trim().split(/\r?\n/);
	expect(lines[0]).toBe(
		'at,event,server,title,reason,size_bytes,message,upstream_id,media_id,queue_id,run_id,connection_id,details'
	);
	for (const event of ['queued', 'run_now', 'dry_run', 'executed', 'verified'])
		expect(lines.filter((l) => l.split(',')[1] === event).length, event).toBeGreaterThan(0);
	expect(lines.slice(1).every((l) => l.includes(movie.title))).toBe(true);
	await expectNoViolations(page, 'audit log');

	// The dashboard: the space freed, nothing left queued, one server still in dry-run.
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Dashboard' })
		.click();
	const card = page.getByTestId('deletions-card');
	await expect(card.getByTestId('freed-total')).toHaveText(size);
	await expect(card.getByTestId('freed-30d')).toHaveText(`(${size} in 30 days)`);
	await expect(card.getByTestId('queued-count')).toHaveText('0');
	await expect(card.getByTestId('dry-run-count')).toContainText('1 server in dry-run');
	await card.getByRole('link', { name: 'Open the deletion queue' }).click();
	await expect(page).toHaveURL(/\/deletions$/);

	// 4. Back to dry-run, from the same place.
	await page
		.getByRole('group', { name: 'Home Server deletes for real' })
		.getByRole('button', { name: 'Back to dry-run' })
		.click();
	await expect(page.getByTestId('mode-notice')).toContainText('Home Server is back in dry-run');
	await expect(page.getByTestId('dry-run-banner')).toHaveCount(2);
});

test('the dashboard counts what is due this week', async ({ page }) => {
	test.setTimeout(180_000);
	const headers = await demoAccount(page);
	const rows = await reportRows(page, headers, 'stale', 2);
	await queueFromReport(page, 'stale', rows);
	// One of them later than a week: it is queued, not due this week.
	await page.goto('/deletions');
	const later = queuedTitle(rows[1]);
	await queueRow(page, later)
		.getByRole('button', { name: `More actions for ${later}` })
		.click();
	await page.getByRole('menuitem', { name: 'Postpone…' }).click();
	const postpone = page.getByRole('dialog', { name: `Postpone “${later}”` });
	await postpone.getByRole('radio', { name: '30 days' }).check();
	await postpone.getByRole('button', { name: 'Postpone' }).click();
	await expect(postpone).toBeHidden();
	const soon = (await queueRow(page, queuedTitle(rows[0]))
		.locator('td')
		.nth(2)
		.textContent())!.trim();

	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Dashboard' })
		.click();
	const card = page.getByTestId('deletions-card');
	await expect(card.getByTestId('due-week')).toHaveText(`1 item (${soon})`);
	await expect(card.getByTestId('queued-count')).toHaveText('2');
	await expect(card.getByTestId('freed-total')).toHaveText('0 B');
	await expect(card.getByTestId('dry-run-count')).toContainText('2 servers in dry-run');
	await expectNoViolations(page, 'dashboard with deletion figures');
});
