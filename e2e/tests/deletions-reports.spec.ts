import { expect, test, type Page } from '@playwright/test';
import {
	demoAccount,
	queueFromReport,
	queueRow,
	reportRows,
	resetSim,
	selectRows
} from './deletions';
import { expectNoViolations } from './helpers';
import { SIM_URL } from './sim';
import { fileName, type Group } from './duplicate-groups';

/**
 * "Queue for deletion" from the reports: rows of the stale, large and language reports (refused, with
 * why, when a row no longer qualifies), and a duplicate group's extra copies — for a track with
 * several versions, the other versions only, which is all that goes when it runs.
 */

test.afterEach(async ({ request }) => {
	await resetSim(request);
});

async function groups(page: Page, headers: Record<string, string>): Promise<Group[]> {
	const res = await page.request.get('/api/v1/reports/duplicates', {
		headers,
		params: { page_size: 100 }
	});
	const items = ((await res.json()) as { items: Group[] }).items;
	const titles = items.map((g) => g.title);
	// Groups the page lists under a title of their own, on the Plex server.
	return items.filter((g) => titles.filter((t) => t === g.title).length === 1);
}

test('report rows are queued, or refused with why', async ({ page }) => {
	test.setTimeout(180_000);
	const headers = await demoAccount(page);
	const [stale] = await reportRows(page, headers, 'stale', 1);

	// The row is on the page; meanwhile (another tab) it is protected: queueing it is refused.
	await page.goto('/reports/stale?size=200');
	await selectRows(page, [stale]);
	const protect = await page.request.post('/api/v1/allowlists', {
		headers,
		data: {
			list: 'protected',
			items: [{ connection_id: stale.connection_id, upstream_id: stale.upstream_id }]
		}
	});
	expect(protect.ok()).toBe(true);
	await page.getByTestId('bulk-bar').getByRole('button', { name: 'Queue for deletion…' }).click();
	const dialog = page.getByRole('dialog', { name: `Queue “${stale.title}” for deletion?` });
	await expectNoViolations(page, 'queue for deletion dialog');
	await dialog.getByRole('button', { name: 'Queue for deletion' }).click();
	await expect(dialog.getByTestId('queue-refused')).toContainText('Nothing was queued.');
	await expect(dialog.getByTestId('queue-refused')).toContainText('it is on your Protected list');
	await dialog.getByRole('button', { name: 'Cancel' }).click();

	// A language report row goes, with a note kept in the audit log.
	const [language] = await reportRows(page, headers, 'languages', 1);
	await page.goto('/reports/languages?size=200');
	await selectRows(page, [language]);
	await page.getByTestId('bulk-bar').getByRole('button', { name: 'Queue for deletion…' }).click();
	const second = page.getByRole('dialog');
	await second.getByLabel('Note').fill('nobody here speaks it');
	await second.getByRole('button', { name: 'Queue for deletion' }).click();
	await expect(second).toBeHidden();
	await expect(page.getByTestId('report-notice')).toContainText('Queued 1 item for deletion, due');
	await page.goto('/deletions');
	await expect(page.getByTestId('queue-row')).toHaveCount(1);
	await expect(page.getByTestId('queue-row')).toContainText('Language issues');
	await page.goto('/deletions/audit?event=queued');
	await expect(page.getByTestId('audit-event')).toHaveCount(1);
	await expect(page.getByTestId('event-note')).toHaveText('Your note: nobody here speaks it');

	// Queued again from the report: it was already queued, and says so.
	const [large] = await reportRows(page, headers, 'large', 1);
	await queueFromReport(page, 'large', [large]);
	await page.goto('/reports/large?size=200');
	await selectRows(page, [large]);
	await page.getByTestId('bulk-bar').getByRole('button', { name: 'Queue for deletion…' }).click();
	await page.getByRole('dialog').getByRole('button', { name: 'Queue for deletion' }).click();
	await expect(page.getByTestId('report-notice')).toContainText(
		'Nothing new was queued. 1 item was already queued.'
	);
});

test('a duplicate group: only the extra copies go, and of a track with versions only the other version', async ({
	page
}) => {
	test.setTimeout(240_000);
	const headers = await demoAccount(page);
	const all = await groups(page, headers);
	const versions = all.find((g) => g.kind === 'versions' && g.copies.length === 2)!;
	const copies = all.find((g) => g.kind === 'duplicates' && g.copies.every((c) => c.file))!;
	expect(versions, 'the demo world has a track with two versions').toBeTruthy();
	expect(copies, 'the demo world has a duplicates group').toBeTruthy();

	// The extra copy of a duplicates group.
	await page.goto(`/reports/duplicates?q=${encodeURIComponent(copies.title)}`);
	const group = page.getByRole('listitem', { name: copies.title, exact: true });
	await group.getByRole('button', { name: 'Queue the extra copies…' }).click();
	let dialog = page.getByRole('dialog', {
		name: `Queue the extra copies of “${copies.title}” for deletion?`
	});
	const extra = copies.copies.find((c) => !c.keeper)!;
	const keeper = copies.copies.find((c) => c.keeper)!;
	await expect(dialog.getByRole('list', { name: 'Copies to queue' })).toContainText(
		fileName(extra)
	);
	await expect(dialog).toContainText(`Kept: ${fileName(keeper)}`);
	await dialog.getByRole('button', { name: 'Queue for deletion' }).click();
	await expect(dialog).toBeHidden();
	await expect(page.getByTestId('report-notice')).toContainText('Queued 1 item for deletion');

	// The other version of a track with two.
	await page.goto(`/reports/duplicates?q=${encodeURIComponent(versions.title)}`);
	const track = page
		.getByRole('listitem', { name: versions.title, exact: true })
		.and(page.locator('[data-kind="versions"]'));
	await track.getByRole('button', { name: 'Queue the other versions…' }).click();
	dialog = page.getByRole('dialog', {
		name: `Queue the other versions of “${versions.title}” for deletion?`
	});
	await expect(dialog).toContainText('Only these versions go; the track stays');
	await dialog.getByRole('button', { name: 'Queue for deletion' }).click();
	await expect(dialog).toBeHidden();
	await expect(page.getByTestId('report-notice')).toContainText('Queued 1 item for deletion');

	await page.goto('/deletions');
	await expect(page.getByTestId('queue-row')).toHaveCount(2);
	await expect(
		page.getByTestId('row-kind').getByText('Duplicate copy', { exact: true })
	).toHaveCount(1);
	await expect(
		page.getByTestId('row-kind').getByText('Duplicate version', { exact: true })
	).toHaveCount(1);
	await page.getByLabel('Kind', { exact: true }).selectOption('duplicate');
	await expect(page.getByTestId('queue-row')).toHaveCount(2);

	// Live, and run now: the simulator deletes that one version, never the track.
	await page
		.getByRole('status', { name: 'Home Server is in dry-run' })
		.getByRole('button', { name: 'Leave dry-run…' })
		.click();
	const live = page.getByRole('dialog', { name: 'Leave dry-run on Home Server?' });
	await live.getByLabel('I understand that files on Home Server will be deleted for real.').check();
	await live.getByRole('button', { name: 'Leave dry-run', exact: true }).click();
	await expect(live).toBeHidden();
	const versionRow = page
		.getByTestId('queue-row')
		.filter({ has: page.getByTestId('row-kind').getByText('Duplicate version', { exact: true }) });
	const title = (await versionRow.getByTestId('row-title').textContent())!.trim();
	await queueRow(page, title)
		.getByRole('button', { name: `More actions for ${title}` })
		.click();
	await page.getByRole('menuitem', { name: 'Run now…' }).click();
	await page
		.getByRole('dialog', { name: `Run “${title}” now?` })
		.getByRole('button', { name: 'Delete now' })
		.click();
	await expect(queueRow(page, title)).toHaveCount(0, { timeout: 30_000 });
	const track_id = versions.copies[0].upstream_id;
	const mutations = (await (await page.request.get(`${SIM_URL}/_admin/mutations`)).json()) as {
		kind: string;
		ratingKey?: string;
	}[];
	expect(
		mutations.filter((m) => m.kind === 'delete_media' && m.ratingKey === track_id)
	).toHaveLength(1);
	expect(mutations.filter((m) => m.kind === 'delete' && m.ratingKey === track_id)).toEqual([]);
	await page.goto('/deletions/history');
	await expect(
		page.getByTestId('history-row').filter({ hasText: 'Duplicate version' })
	).toContainText('Deleted');
});
