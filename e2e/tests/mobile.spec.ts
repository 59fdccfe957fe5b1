import { expect, test, type Page } from '@playwright/test';
import { connectAndSyncDemo } from './demo';
import { demoAccount, queueFromReport, queueRow, queuedTitle, reportRows } from './deletions';
import { newPassword, uniqueEmail } from './helpers';
import { openShowSheet } from './sheet';
import { simInfo } from './sim';

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });

/** Sign up on a phone (the navigation is in a drawer, so the desktop shell check does not apply). */
async function signUpOnPhone(page: Page): Promise<string> {
	const email = uniqueEmail();
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(newPassword());
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
	return email;
}

test('on a phone the navigation lives in a drawer', async ({ page }) => {
	const email = await signUpOnPhone(page);

	// The sidebar is hidden; the menu button opens the drawer.
	await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
	await page.getByRole('button', { name: 'Open navigation' }).click();
	const nav = page.getByRole('navigation', { name: 'Main' });
	await expect(nav).toBeVisible();
	await page.screenshot({ path: 'test-results/mobile-drawer.png' });

	await nav.getByRole('link', { name: 'Reports' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
	await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
	await page.screenshot({ path: 'test-results/mobile-reports.png', fullPage: true });

	// The account menu still works without the email on screen.
	await page.getByRole('button', { name: `Account menu: ${email}` }).click();
	await expect(page.getByRole('menuitem', { name: 'Log out' })).toBeVisible();
});

/** Nothing wider than the phone: the page does not scroll sideways (a wide table scrolls in its box). */
async function expectNoSidewaysScroll(page: Page, label: string) {
	const widths = await page.evaluate(() => ({
		page: document.documentElement.scrollWidth,
		view: window.innerWidth
	}));
	expect(widths.page, `${label}: the page is wider than the screen`).toBeLessThanOrEqual(
		widths.view
	);
}

test('people, assignments and the item sheet fit a phone', async ({ page, request }) => {
	test.setTimeout(120_000);
	await signUpOnPhone(page);
	await connectAndSyncDemo(page, await simInfo(request));

	await page.goto('/people');
	await expect(page.getByTestId('person').first()).toBeVisible();
	await expectNoSidewaysScroll(page, 'people');
	await page.screenshot({ path: 'test-results/mobile-people.png', fullPage: true });

	await page.goto('/assignments?kind=show');
	await expect(page.getByTestId('library-row').first()).toBeVisible();
	await expectNoSidewaysScroll(page, 'assignments');
	await page.screenshot({ path: 'test-results/mobile-assignments.png', fullPage: true });

	const sheet = await openShowSheet(page, { assignFirst: true });
	const box = await sheet.boundingBox();
	expect(box!.width).toBeLessThanOrEqual(390);
	// The sheet's own content does not scroll sideways either; only the episode grid does, in its box.
	const body = sheet.locator('[aria-busy]');
	const overflow = await body.evaluate((el) => el.scrollWidth - el.clientWidth);
	expect(overflow, 'the sheet scrolls sideways').toBeLessThanOrEqual(0);
	await expectNoSidewaysScroll(page, 'item sheet');
	await page.screenshot({ path: 'test-results/mobile-sheet.png' });
});

test('the Deletions pages fit a phone: no page-wide scroll, the queue scrolls in its box', async ({
	page
}) => {
	test.setTimeout(180_000);
	// Set up on a desktop-sized window (the sign-up and connect helpers use the sidebar).
	await page.setViewportSize({ width: 1280, height: 800 });
	const headers = await demoAccount(page);
	const rows = await reportRows(page, headers, 'large', 1);
	await queueFromReport(page, 'large', rows);
	await page.setViewportSize({ width: 390, height: 844 });

	const overflow = () =>
		page.evaluate(
			() => document.documentElement.scrollWidth - document.documentElement.clientWidth
		);
	await page.goto('/deletions');
	await expect(page.getByTestId('queue-row')).toHaveCount(1);
	await expect(page.getByTestId('dry-run-banner').first()).toBeInViewport();
	expect(await overflow()).toBeLessThanOrEqual(0);
	const scrolls = await page.getByTestId('queue-table').evaluate((el) => {
		const box = el.parentElement!;
		return box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX === 'auto';
	});
	expect(scrolls).toBe(true);
	await page.screenshot({ path: 'test-results/deletions-phone.png', fullPage: true });

	// The row's actions are reachable by scrolling the table's box; the dialogs fit the screen.
	const title = queuedTitle(rows[0]);
	await queueRow(page, title)
		.getByRole('button', { name: `More actions for ${title}` })
		.click();
	await page.getByRole('menuitem', { name: 'Postpone…' }).click();
	const postpone = page.getByRole('dialog');
	await expect(postpone.getByRole('button', { name: 'Postpone' })).toBeInViewport();
	await page.keyboard.press('Escape');
	await page
		.getByRole('status', { name: 'Home Server is in dry-run' })
		.getByRole('button', { name: 'Leave dry-run…' })
		.click();
	await expect(page.getByRole('dialog').getByTestId('live-caps')).toBeVisible();
	await page.screenshot({ path: 'test-results/leave-dry-run-phone.png' });
	await page.keyboard.press('Escape');

	for (const path of ['/deletions/history', '/deletions/audit', '/deletions/settings']) {
		await page.goto(path);
		await expect(page.getByRole('navigation', { name: 'Deletions' })).toBeVisible();
		await page.waitForLoadState('networkidle');
		expect(await overflow(), path).toBeLessThanOrEqual(0);
	}
	await page.screenshot({ path: 'test-results/deletion-settings-phone.png', fullPage: true });
	await page.goto('/deletions/audit');
	await expect(page.getByTestId('audit-event')).toHaveCount(1);
	expect(await overflow()).toBeLessThanOrEqual(0);
});
