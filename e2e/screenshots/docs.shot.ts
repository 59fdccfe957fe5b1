import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { demoAccount, queueFromReport, reportRows } from '../tests/deletions';
import { saveWebp } from './webp';

/**
 * The pictures of the README (docs/screenshots/): a report and the deletion queue of the demo
 * world, as its owner sees them. Nothing is deleted: every server stays in dry-run.
 */
const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
// Shown at most ~800 px wide on GitHub: 1280×800 at quality 0.75 stays legible and small.
const SIZE = { width: 1280, height: 800 };
const QUALITY = 0.75;
const LIMIT = 150 * 1024;

test('a report and the deletion queue of the demo world', async ({ page }) => {
	test.setTimeout(240_000);
	await page.setViewportSize(SIZE);
	await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
	// A readable address in the top bar (the landing's pictures use owner@example.com).
	const headers = await demoAccount(page, 'household@example.com');
	// The pictures are of the product, not of the checklist a new account sees in the sidebar.
	await page.goto('/setup');
	await page.getByRole('button', { name: 'Dismiss checklist' }).click();
	await expect(page.getByTestId('setup-dismissed')).toBeVisible();

	await page.goto('/reports/large');
	await expect(page.getByTestId('report-row').first()).toBeVisible({ timeout: 15_000 });
	await expect(page.getByTestId('report-row').first().getByTestId('row-why')).not.toHaveText(
		/^Why:\s*$/
	);
	await saveWebp(page, `${OUT}report-large.webp`, QUALITY, LIMIT);

	const rows = await reportRows(page, headers, 'large', 4);
	await queueFromReport(page, 'large', rows);
	await page.goto('/deletions');
	await expect(page.getByTestId('queue-row')).toHaveCount(rows.length);
	await expect(page.getByTestId('queue-summary')).toContainText(`${rows.length} items queued`);
	await saveWebp(page, `${OUT}deletion-queue.webp`, QUALITY, LIMIT);
});
