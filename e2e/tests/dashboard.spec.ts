import { expect, test, type Page } from '@playwright/test';
import { connectAndSyncDemo } from './demo';
import { expectNoViolations, signUp } from './helpers';
import { simInfo } from './sim';

const REPORTS = ['duplicates', 'stale', 'large', 'languages', 'requests', 'recently-available'];

function card(page: Page, report: string) {
	return page.locator(`[data-testid="report-card"][data-report="${report}"]`);
}

async function cardCount(page: Page, report: string): Promise<number> {
	const text = await card(page, report).getByTestId('card-count').innerText();
	return Number(text.replace(/,/g, ''));
}

test('a fresh account shows how to start; no violations light and dark, and on a phone', async ({
	page
}) => {
	await signUp(page);
	await expect(page).toHaveURL(/\/dashboard$/);
	// The setup checklist says how to start (first-run.spec.ts walks it).
	const empty = page.getByTestId('setup-card');
	await expect(empty).toContainText('Connect a server');
	await expect(page.getByText('System status')).toBeVisible();
	await expect(page.getByTestId('report-card')).toHaveCount(0);
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await expectNoViolations(page, `empty dashboard (${scheme})`);
	}
	await page.setViewportSize({ width: 390, height: 844 });
	await expectNoViolations(page, 'empty dashboard (phone)');
	await page.screenshot({ path: 'test-results/dashboard-empty-phone.png', fullPage: true });
	await page.setViewportSize({ width: 1280, height: 720 });
	await empty.getByRole('link', { name: 'Go to Connections' }).click();
	await expect(page).toHaveURL(/\/connections$/);
});

test('after a sync: cards link to the reports, charts render with a text alternative, and a threshold change moves a count', async ({
	page,
	request
}) => {
	test.setTimeout(120_000);
	const sim = await simInfo(request);
	await signUp(page);
	await connectAndSyncDemo(page, sim);

	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Dashboard' })
		.click();
	await expect(page.getByTestId('report-card')).toHaveCount(REPORTS.length, { timeout: 15_000 });
	for (const report of REPORTS) {
		await expect(card(page, report)).toHaveAttribute('href', `/reports/${report}`);
	}
	// The demo world has planted large and stale movies, and language problems.
	const large = await cardCount(page, 'large');
	expect(large).toBeGreaterThan(0);
	expect(await cardCount(page, 'stale')).toBeGreaterThan(0);
	expect(await cardCount(page, 'languages')).toBeGreaterThan(0);
	await expect(card(page, 'large').getByTestId('card-reclaimable')).toContainText(/\d.*B/);
	await expect(page.getByTestId('last-sync-status')).toHaveText(/Done|Partial/);
	await expect(page.getByTestId('last-sync-time')).not.toHaveText('—');

	// Charts: SVG drawn by the lazily loaded LayerChart chunk, plus a summary and a data table.
	const storage = page.getByTestId('storage-chart');
	await expect(storage.locator('svg').first()).toBeVisible({ timeout: 15_000 });
	await expect(storage.locator('svg rect, svg path').first()).toBeAttached();
	await expect(storage).toHaveAttribute('role', 'img');
	await expect(storage).toHaveAttribute('aria-label', /^Storage by library: .+ in \d+ librar/);
	const storageTable = page.getByRole('table', { name: 'Storage by library' });
	expect(await storageTable.getByRole('row').count()).toBeGreaterThan(1);
	const ages = page.getByTestId('ages-chart');
	await expect(ages.locator('svg').first()).toBeVisible();
	await expect(ages).toHaveAttribute(
		'aria-label',
		/^Stale items by time since last watched, \d+ in all/
	);
	await expect(
		page.getByRole('table', { name: 'Stale items by time since last watched' }).getByRole('row')
	).toHaveCount(6);
	await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true });

	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await expectNoViolations(page, `dashboard (${scheme})`);
	}
	await page.screenshot({ path: 'test-results/dashboard-dark.png', fullPage: true });
	await page.emulateMedia({ colorScheme: 'light' });
	await page.setViewportSize({ width: 390, height: 844 });
	await expect(storage.locator('svg').first()).toBeVisible();
	await expectNoViolations(page, 'dashboard (phone)');
	await page.screenshot({ path: 'test-results/dashboard-phone.png', fullPage: true });
	await page.setViewportSize({ width: 1280, height: 720 });

	// A card opens its report.
	await card(page, 'large').click();
	await expect(page).toHaveURL(/\/reports\/large$/);

	// Raise the large-movie threshold: the dashboard's count drops.
	await page.goto('/settings');
	const form = page.getByRole('form', { name: 'Report thresholds' });
	await form.getByLabel('Large movie size', { exact: true }).fill('1000');
	await form.getByRole('button', { name: 'Save thresholds' }).click();
	await expect(form.getByTestId('thresholds-saved')).toBeVisible();
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Dashboard' })
		.click();
	await expect(card(page, 'large').getByTestId('card-count')).not.toHaveText(String(large));
	expect(await cardCount(page, 'large')).toBeLessThan(large);
});
