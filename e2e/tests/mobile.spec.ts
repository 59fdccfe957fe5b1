import { expect, test, type Page } from '@playwright/test';
import { connectAndSyncDemo } from './demo';
import { demoAccount, queueFromReport, queueRow, queuedTitle, reportRows } from './deletions';
import { expectNoViolations, newPassword, uniqueEmail } from './helpers';
import { SIGNED_IN_PAGES, SIGNED_OUT_PAGES, demoWorld, openPage, type AppPage } from './pages';
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

/** How wide the page is against the screen (wider: it scrolls sideways). */
function pageWidth(page: Page) {
	return page.evaluate(() => ({
		page: document.documentElement.scrollWidth,
		view: window.innerWidth
	}));
}

/** Every page at 390 × 844, with the demo world's rows: none is wider than the screen. */
test('every page fits a 390 px phone', async ({ page }) => {
	test.setTimeout(300_000);
	const tooWide: string[] = [];
	async function measure(target: AppPage) {
		await openPage(page, target);
		const w = await pageWidth(page);
		if (w.page > w.view) tooWide.push(`${target.path} is ${w.page} px wide at ${w.view} px`);
	}

	for (const target of SIGNED_OUT_PAGES) await measure(target);

	// Set up on a desktop-sized window (the sign-up and connect helpers use the sidebar).
	await page.setViewportSize({ width: 1280, height: 800 });
	await demoWorld(page);
	await page.setViewportSize({ width: 390, height: 844 });
	for (const target of SIGNED_IN_PAGES) await measure(target);
	expect(tooWide, tooWide.join('\n')).toEqual([]);

	// Rows on a phone: their title and actions are on screen, not off to the side of a table that
	// scrolls.
	const offScreen: string[] = [];
	for (const target of SIGNED_IN_PAGES.filter((t) => t.rows)) {
		await openPage(page, target);
		const row = page.getByTestId(target.rows!).first();
		const controls = row.locator('a, button, input, [data-testid="row-title"]');
		for (const control of await controls.all()) {
			if (!(await control.isVisible())) continue;
			const box = (await control.boundingBox())!;
			const what = `${target.path}: “${(await control.innerText()).trim() || (await control.getAttribute('aria-label'))}”`;
			if (box.x < 0 || box.x + box.width > 390) {
				offScreen.push(`${what} spans ${Math.round(box.x)}–${Math.round(box.x + box.width)} px`);
			}
		}
	}
	expect(offScreen, offScreen.join('\n')).toEqual([]);
	await page.goto('/reports/large');
	await page.screenshot({ path: 'test-results/mobile-report-large.png', fullPage: true });
});

test('the item sheet fits a phone', async ({ page, request }) => {
	test.setTimeout(120_000);
	await signUpOnPhone(page);
	await connectAndSyncDemo(page, await simInfo(request));

	const sheet = await openShowSheet(page, { assignFirst: true });
	const box = await sheet.boundingBox();
	expect(box!.width).toBeLessThanOrEqual(390);
	// The sheet's own content does not scroll sideways either; only the episode grid does, in its box.
	const body = sheet.locator('[aria-busy]');
	const overflow = await body.evaluate((el) => el.scrollWidth - el.clientWidth);
	expect(overflow, 'the sheet scrolls sideways').toBeLessThanOrEqual(0);
	const w = await pageWidth(page);
	expect(w.page, `item sheet: ${w.page} px wide at ${w.view} px`).toBeLessThanOrEqual(w.view);
	await page.screenshot({ path: 'test-results/mobile-sheet.png' });
});

test('the deletion queue on a phone: each item is a card, its actions and dialogs on screen', async ({
	page
}) => {
	test.setTimeout(180_000);
	// Set up on a desktop-sized window (the sign-up and connect helpers use the sidebar).
	await page.setViewportSize({ width: 1280, height: 800 });
	const headers = await demoAccount(page);
	const rows = await reportRows(page, headers, 'large', 1);
	await queueFromReport(page, 'large', rows);
	const title = queuedTitle(rows[0]);
	await page.goto('/deletions');
	// On a desktop it is a table with its header row.
	await expect(page.getByRole('columnheader', { name: 'Due · status' })).toBeVisible();
	await page.setViewportSize({ width: 390, height: 844 });

	const overflow = () =>
		page.evaluate(
			() => document.documentElement.scrollWidth - document.documentElement.clientWidth
		);
	await page.goto('/deletions');
	await expect(page.getByTestId('queue-row')).toHaveCount(1);
	await expect(page.getByTestId('dry-run-banner').first()).toBeInViewport();
	expect(await overflow()).toBeLessThanOrEqual(0);
	// Nothing scrolls sideways, not even the table's box; the header row is hidden.
	const box = await page.getByTestId('queue-table').evaluate((el) => {
		const parent = el.parentElement!;
		return { scroll: parent.scrollWidth, client: parent.clientWidth };
	});
	expect(box.scroll).toBeLessThanOrEqual(box.client);
	await expect(page.getByRole('columnheader', { name: 'Due · status' })).toBeHidden();
	// The card: title, kind, size, when, status and every action inside the screen.
	const card = queueRow(page, title);
	for (const part of [
		card.getByTestId('row-title'),
		card.getByTestId('row-kind'),
		card.getByTestId('countdown'),
		card.getByTestId('row-status'),
		card.getByRole('button', { name: `Cancel the deletion of ${title}` }),
		card.getByRole('button', { name: `Keep forever: ${title}` }),
		card.getByRole('button', { name: `More actions for ${title}` })
	]) {
		await part.scrollIntoViewIfNeeded();
		const b = (await part.boundingBox())!;
		expect(b.x, await part.innerText()).toBeGreaterThanOrEqual(0);
		expect(b.x + b.width).toBeLessThanOrEqual(390);
	}
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await expectNoViolations(page, `the deletion queue as cards (${scheme})`);
	}
	await page.emulateMedia({ colorScheme: 'light' });
	await page.screenshot({ path: 'test-results/deletions-phone.png', fullPage: true });

	// The dialogs fit the screen.
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
});

test('a report on a phone sorts with a Sort by control instead of its hidden headers, kept in the URL', async ({
	page
}) => {
	test.setTimeout(180_000);
	await page.setViewportSize({ width: 1280, height: 800 });
	await demoAccount(page);
	await page.goto('/reports/large');
	const rows = page.getByTestId('report-row');
	await expect(rows.first()).toBeVisible();
	// A desktop sorts by its column headers; the phone's control is not there.
	await expect(page.getByRole('columnheader', { name: 'Size' })).toBeVisible();
	await expect(page.getByTestId('phone-sort')).toBeHidden();

	await page.setViewportSize({ width: 390, height: 844 });
	await expect(page.getByRole('columnheader', { name: 'Size' })).toBeHidden();
	const sortBy = page.getByLabel('Sort by');
	const order = page.getByLabel('Order', { exact: true });
	await expect(sortBy).toBeInViewport();
	await expect(order).toBeInViewport();
	// The report's own sorts, as its headers name them, starting where the table starts.
	expect(await sortBy.locator('option').allInnerTexts()).toEqual([
		'Title',
		'Size',
		'Bitrate',
		'Added'
	]);
	await expect(sortBy).toHaveValue('size');
	await expect(order).toHaveValue('desc');

	// Another column starts in its natural order (titles A to Z); the order flips it.
	const initials = async () =>
		(await rows.getByTestId('row-title').allInnerTexts()).map((t) => t.trim().charAt(0).toLowerCase());
	const ordered = (xs: string[], dir: 1 | -1) =>
		xs.every((x, i) => i === 0 || dir * x.localeCompare(xs[i - 1]) >= 0);
	await sortBy.selectOption({ label: 'Title' });
	await expect(page).toHaveURL(/sort=title&order=asc/);
	await expect(order).toHaveValue('asc');
	await expect.poll(async () => ordered(await initials(), 1)).toBe(true);
	await order.selectOption({ label: 'Descending' });
	await expect(page).toHaveURL(/sort=title&order=desc/);
	await expect.poll(async () => ordered(await initials(), -1)).toBe(true);

	// The URL keeps it: a reload, and Back to the previous order.
	await page.reload();
	await expect(sortBy).toHaveValue('title');
	await expect(order).toHaveValue('desc');
	await page.goBack();
	await expect(page).toHaveURL(/sort=title&order=asc/);
	await expect(order).toHaveValue('asc');
	expect(await pageWidth(page)).toEqual({ page: 390, view: 390 });
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await expectNoViolations(page, `a report's phone sort (${scheme})`);
	}
	// Back on a desktop, the headers show the same sort.
	await page.setViewportSize({ width: 1280, height: 800 });
	await expect(page.getByRole('columnheader', { name: 'Title' })).toHaveAttribute(
		'aria-sort',
		'ascending'
	);
});
