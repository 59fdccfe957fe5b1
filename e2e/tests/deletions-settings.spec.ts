import { expect, test } from '@playwright/test';
import { demoAccount, queueFromReport, queueRow, queuedTitle, reportRows } from './deletions';
import { expectNoViolations } from './helpers';

/**
 * The deletion settings: the pause switch (and its banner, resumed from there), the delay, whole
 * seasons, the caps, the sync age, Jellyseerr; the server's bounds; a library's own delay, which
 * the next item queued from that library follows.
 */
test('deletion settings, the pause switch and a library delay', async ({ page }) => {
	test.setTimeout(180_000);
	const headers = await demoAccount(page);
	await page.goto('/deletions/settings');
	await expect(page.getByRole('heading', { level: 1, name: 'Deletions' })).toBeVisible();
	await expect(page.getByRole('link', { name: 'Settings', exact: true }).last()).toHaveAttribute(
		'aria-current',
		'page'
	);
	await expect(page.getByLabel('Wait before deleting')).toHaveValue('24');
	await expect(page.getByLabel('Size per run')).toHaveValue('500');
	await expect(page.getByTestId('operator-switch')).toHaveCount(0);
	await expectNoViolations(page, 'deletion settings');

	// Out of bounds (the schema's bounds): said at once in the server's words, nothing sent.
	const sent: string[] = [];
	page.on('request', (r) => {
		if (r.url().endsWith('/api/v1/deletions/settings') && r.method() === 'PUT') sent.push(r.url());
	});
	await page.getByLabel('Items per run').fill('5000');
	await expect(page.locator('#deletion-max_run_items-error')).toHaveText('At most 1,000 items');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await expect(page.getByTestId('settings-error')).toHaveText(
		'Nothing was saved: fix the value marked below.'
	);
	expect(sent).toEqual([]);
	await page.getByRole('button', { name: 'Discard changes' }).click();
	await expect(page.getByLabel('Items per run')).toHaveValue('25');

	// Every setting saved at once.
	await page.getByLabel('Pause every deletion').click();
	await page.getByLabel('Wait before deleting').fill('48');
	await page.getByLabel('Whole seasons').click();
	await page.getByLabel('Sync no older than').fill('12');
	await page.getByLabel('Clear it in Jellyseerr').click();
	await page.getByLabel('Items per run').fill('10');
	await page.getByLabel('Size per run').fill('150.5');
	await page.getByLabel('Items per day').fill('40');
	await page.getByLabel('Size per day').fill('800');
	await page.getByLabel('First real run').fill('2');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await expect(page.getByTestId('settings-saved')).toHaveText(
		'Saved: Pause every deletion, Wait before deleting, Whole seasons, Sync no older than, Clear it in Jellyseerr, Items per run, Size per run, Items per day, Size per day, First real run.'
	);
	const saved = (await (
		await page.request.get('/api/v1/deletions/settings', { headers })
	).json()) as Record<string, unknown>;
	expect(saved).toMatchObject({
		paused: true,
		delay_hours: 48,
		whole_seasons: true,
		sync_max_age_hours: 12,
		clear_jellyseerr: false,
		max_run_items: 10,
		max_run_bytes: 150_500_000_000,
		max_day_items: 40,
		max_day_bytes: 800_000_000_000,
		first_live_run_items: 2
	});

	// Paused: every deletions page says so, and it can be resumed from there.
	const paused = page.getByTestId('paused-banner');
	await expect(paused).toContainText('Your deletions are paused');
	await page.reload();
	await expect(page.getByLabel('Pause every deletion')).toBeChecked();
	await expect(page.getByLabel('Size per run')).toHaveValue('150.5');
	await paused.getByRole('button', { name: 'Resume deletions' }).click();
	await expect(page.getByTestId('mode-notice')).toContainText('Deletions resumed');
	await expect(paused).toHaveCount(0);
	await expect(page.getByLabel('Pause every deletion')).not.toBeChecked();

	// The leave-dry-run dialog shows the caps as saved.
	await page
		.getByRole('status', { name: 'Home Server is in dry-run' })
		.getByRole('button', { name: 'Leave dry-run…' })
		.click();
	const live = page.getByRole('dialog', { name: 'Leave dry-run on Home Server?' });
	await expect(live.getByTestId('live-caps')).toContainText('151 GB');
	await expect(live.getByTestId('live-caps')).toContainText('2 items at most');
	await live.getByRole('button', { name: 'Stay in dry-run' }).click();

	// A library's own delay: three days for Movies; an item queued from it follows.
	const movies = page.getByTestId('library-delay').filter({ hasText: 'Movies' }).filter({
		hasText: 'Home Server'
	});
	await expect(movies.getByTestId('effective-delay')).toHaveText('your delay');
	await movies.getByRole('textbox').fill('72');
	await movies.getByRole('button', { name: 'Save the delay of Movies' }).click();
	await expect(page.getByTestId('library-delay-saved')).toHaveText('Movies now waits 3 days.');
	await expect(movies.getByTestId('effective-delay')).toHaveText('waits 3 days');
	await movies.getByRole('textbox').fill('0');
	await movies.getByRole('button', { name: 'Save the delay of Movies' }).click();
	await expect(movies.getByRole('alert')).toContainText('At least 1 hour (1–8,760 hours)');

	const [movie] = await reportRows(page, headers, 'large', 1);
	await queueFromReport(page, 'large', [movie]);
	await page.goto('/deletions');
	await expect(queueRow(page, queuedTitle(movie)).getByTestId('countdown')).toHaveText(
		/^in 2 d 23 h$/
	);

	// Back to the account's delay.
	await page.goto('/deletions/settings');
	await movies.getByRole('button', { name: 'Use your delay for Movies' }).click();
	await expect(page.getByTestId('library-delay-saved')).toHaveText(
		'Movies uses your delay again (2 days).'
	);
	await expect(movies.getByTestId('effective-delay')).toHaveText('your delay');
});
