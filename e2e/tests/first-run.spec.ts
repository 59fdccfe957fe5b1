import { expect, test, type Locator, type Page } from '@playwright/test';
import { expectFitsWidth, expectNoViolations, newPassword, signUp, uniqueEmail } from './helpers';
import { simInfo } from './sim';

/**
 * A new account's setup checklist: connect the simulator's Plex, pick the libraries, choose the
 * languages (the language report waits for them, then follows them), run the first sync, look at
 * the dashboard. Every tick comes from the account's data; dismissed, it stays reachable.
 */

function step(page: Page, key: string): Locator {
	return page.locator(`[data-testid="setup-step"][data-step="${key}"]`);
}

async function expectDone(page: Page, key: string, done: boolean) {
	await expect(step(page, key)).toHaveAttribute('data-done', String(done), { timeout: 45_000 });
}

function sidebarSetupLink(page: Page) {
	return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Get started/ });
}

test('a new account walks the checklist: connect, libraries, languages, first sync, dashboard', async ({
	page,
	request
}) => {
	test.setTimeout(180_000);
	await page.setViewportSize({ width: 1280, height: 800 });
	const sim = await simInfo(request);
	await signUp(page);

	// Right after sign-up the dashboard shows the checklist, nothing done yet.
	await expect(page).toHaveURL(/\/dashboard$/);
	const card = page.getByTestId('setup-card');
	await expect(card.getByRole('heading', { name: 'Get started' })).toBeVisible();
	await expect(card.getByTestId('setup-card-progress')).toHaveText('0 of 5 done');
	await expect(sidebarSetupLink(page)).toHaveAccessibleName('Get started 0/5 steps done');
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await expectNoViolations(page, `dashboard with the checklist (${scheme})`);
	}
	await page.emulateMedia({ colorScheme: 'light' });
	await page.screenshot({ path: 'test-results/first-run-dashboard.png', fullPage: true });

	// 1. Connect the simulator's Plex (by URL + token), from the checklist's own link.
	await card.getByRole('link', { name: 'Go to Connections' }).click();
	await expect(page).toHaveURL(/\/connections$/);
	const home = sim.pms.home!;
	await page.getByRole('button', { name: /^Plex by URL \+ token/ }).click();
	const plex = page.getByRole('dialog', { name: 'Add Plex by URL and token' });
	await plex.getByLabel('Server URL').fill(home.base_url);
	await plex.getByLabel('Plex token', { exact: true }).fill(home.owner_token);
	await plex.getByRole('button', { name: 'Connect Plex' }).click();
	await expect(plex).toBeHidden({ timeout: 15_000 });

	await sidebarSetupLink(page).click();
	await expect(page).toHaveURL(/\/setup$/);
	await expect(page.getByRole('heading', { level: 1, name: 'Get started' })).toBeVisible();
	await expectDone(page, 'connect', true);
	await expect(step(page, 'connect').getByTestId('step-detail')).toHaveText(
		'1 media server connected.'
	);

	// 2. Pick the libraries: every one is read by default; music is turned off here.
	await expectDone(page, 'libraries', true);
	const libraries = step(page, 'libraries');
	await expect(libraries.getByTestId('step-detail')).toContainText('Reading 3 of 3 libraries');
	// Each switch names its server too, so two servers' "Music" libraries are told apart.
	const music = libraries.getByRole('switch', { name: `Read Music on ${home.name}` });
	await expect(music).toHaveAccessibleName(`Read Music on ${home.name}`);
	await expect(music).toBeChecked();
	await music.click();
	await expect(music).not.toBeChecked();
	await expect(libraries.getByTestId('step-detail')).toContainText('Reading 2 of 3 libraries');
	await expectDone(page, 'languages', false);

	// Until the languages are chosen, the language report says so instead of flagging anything.
	await page.goto('/reports/languages');
	const prompt = page.getByTestId('languages-prompt');
	await expect(prompt.getByRole('heading', { name: 'Choose your languages first' })).toBeVisible();
	await expect(page.getByTestId('report-row')).toHaveCount(0);
	await expectNoViolations(page, 'languages report waiting for the languages');

	// 3. Choose the languages: English audio and English subtitles.
	await prompt.getByRole('link', { name: 'Choose languages' }).click();
	await expect(page).toHaveURL(/\/setup#languages$/);
	const form = page.getByRole('form', { name: 'Languages' });
	await form.getByLabel('Audio languages').fill('English');
	await form.getByLabel('Subtitle languages').fill('en');
	await form.getByRole('button', { name: 'Save languages' }).click();
	await expect(form.getByTestId('languages-saved')).toHaveText(
		'Saved. The language report checks audio: en (English); subtitles: en (English).'
	);
	await expectDone(page, 'languages', true);
	await expect(step(page, 'languages').getByTestId('step-detail')).toHaveText(
		'Audio: en (English). Subtitles: en (English).'
	);

	// 4. The first sync, from the checklist (once the one connecting started has finished).
	const syncNow = step(page, 'sync').getByRole('button', { name: 'Sync now' });
	await expect(syncNow).toBeEnabled({ timeout: 45_000 });
	await syncNow.click();
	await expectDone(page, 'sync', true);
	await expect(step(page, 'sync').getByTestId('step-detail')).toContainText('Last complete sync');
	await expectDone(page, 'dashboard', false);
	await expect(page.getByTestId('setup-progress')).toContainText('4 of 5');
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await expectNoViolations(page, `setup page (${scheme})`);
	}
	await page.emulateMedia({ colorScheme: 'light' });
	await page.screenshot({ path: 'test-results/first-run-setup.png', fullPage: true });

	// The language report follows the choice: English is what is missing, never French.
	await page.goto('/reports/languages?size=200');
	await expect(page.getByTestId('languages-prompt')).toHaveCount(0);
	const whys = page.getByTestId('report-row').getByTestId('row-why');
	await expect(whys.first()).toBeVisible();
	const texts = await whys.allInnerTexts();
	expect(texts.some((t) => /No (audio|subtitles) in English \(en\)/.test(t))).toBe(true);
	for (const t of texts) expect(t).not.toContain('French');

	// 5. The dashboard: its figures tick the last step, and the checklist says so.
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Dashboard' })
		.click();
	await expect(card.getByTestId('setup-card-progress')).toHaveText('5 of 5 done', {
		timeout: 15_000
	});
	await expect(card.getByRole('heading', { name: 'You are all set' })).toBeVisible();
	const languagesCard = page.locator('[data-testid="report-card"][data-report="languages"]');
	await expect(languagesCard.getByTestId('card-count')).toHaveText(/^[1-9][\d,]*$/);
	await expect(languagesCard).toHaveAttribute('href', '/reports/languages');
	// Finished: no longer in the sidebar; closed, no longer on the dashboard.
	await expect(sidebarSetupLink(page)).toHaveCount(0);
	await card.getByRole('button', { name: 'Close' }).click();
	await expect(card).toHaveCount(0);
	await page.reload();
	await expect(page.getByTestId('report-card').first()).toBeVisible({ timeout: 15_000 });
	await expect(page.getByTestId('setup-card')).toHaveCount(0);

	// Still reachable: all five ticked.
	await page.goto('/setup');
	await expect(page.getByTestId('setup-progress')).toContainText('5 of 5');
	await expect(page.getByTestId('setup-dismissed')).toBeVisible();
});

test('before the languages are chosen the dashboard asks for them instead of counting', async ({
	page,
	request
}) => {
	test.setTimeout(120_000);
	const sim = await simInfo(request);
	await signUp(page);
	const home = sim.pms.home!;
	await page.goto('/connections');
	await page.getByRole('button', { name: /^Plex by URL \+ token/ }).click();
	const plex = page.getByRole('dialog', { name: 'Add Plex by URL and token' });
	await plex.getByLabel('Server URL').fill(home.base_url);
	await plex.getByLabel('Plex token', { exact: true }).fill(home.owner_token);
	await plex.getByRole('button', { name: 'Connect Plex' }).click();
	await expect(plex).toBeHidden({ timeout: 15_000 });
	// The sync connecting started, to the end.
	await expect(page.getByTestId('sync-button')).toHaveAccessibleName('Refresh libraries', {
		timeout: 60_000
	});

	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Dashboard' })
		.click();
	const languagesCard = page.locator('[data-testid="report-card"][data-report="languages"]');
	await expect(languagesCard.getByTestId('card-awaiting')).toHaveText('Choose your languages', {
		timeout: 15_000
	});
	await expect(languagesCard.getByTestId('card-count')).toHaveCount(0);
	await expect(languagesCard).toHaveAttribute('href', '/setup#languages');
	// The other reports count as usual.
	await expect(
		page.locator('[data-testid="report-card"][data-report="large"]').getByTestId('card-count')
	).toBeVisible();
	await expectNoViolations(page, 'dashboard waiting for the languages');
	await languagesCard.click();
	await expect(page).toHaveURL(/\/setup#languages$/);
	await expect(page.getByRole('form', { name: 'Languages' })).toBeVisible();
});

test.describe('on a phone', () => {
	test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });

	test('the checklist fits, can be dismissed, and is reached again from the account menu', async ({
		page
	}) => {
		const email = uniqueEmail();
		await page.goto('/signup');
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password', { exact: true }).fill(newPassword());
		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

		const card = page.getByTestId('setup-card');
		await expect(card.getByTestId('setup-card-progress')).toHaveText('0 of 5 done');
		await expectFitsWidth(page, 'dashboard with the checklist');
		await page.screenshot({ path: 'test-results/first-run-phone.png', fullPage: true });

		await page.getByRole('button', { name: 'Open navigation' }).click();
		await expect(sidebarSetupLink(page)).toBeVisible();
		await sidebarSetupLink(page).click();
		await expect(page.getByRole('heading', { level: 1, name: 'Get started' })).toBeVisible();
		await expect(page.getByTestId('setup-step')).toHaveCount(5);
		await expectFitsWidth(page, 'setup page');
		await expectNoViolations(page, 'setup page on a phone');

		// Dismissed: gone from the dashboard and the navigation.
		await page.getByRole('button', { name: 'Dismiss checklist' }).click();
		await expect(page.getByTestId('setup-dismissed')).toBeVisible();
		await page.goto('/dashboard');
		await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
		await expect(page.getByText('System status')).toBeVisible();
		await expect(page.getByTestId('setup-card')).toHaveCount(0);
		await expect(page.getByTestId('dashboard-empty')).toBeVisible();
		await page.getByRole('button', { name: 'Open navigation' }).click();
		await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
		await expect(sidebarSetupLink(page)).toHaveCount(0);
		await page.keyboard.press('Escape');

		// Reached again from the account menu, and shown again.
		await page.getByRole('button', { name: `Account menu: ${email}` }).click();
		await page.getByRole('menuitem', { name: 'Setup checklist' }).click();
		await expect(page).toHaveURL(/\/setup$/);
		await page.getByRole('button', { name: 'Show it again' }).click();
		await expect(page.getByTestId('setup-dismissed')).toHaveCount(0);
		await page.goto('/dashboard');
		await expect(page.getByTestId('setup-card')).toBeVisible();

		// And from the settings.
		await page.goto('/settings');
		const settingsCard = page.getByTestId('settings-setup');
		await expect(settingsCard).toContainText('0 of 5 steps done');
		await settingsCard.getByRole('link', { name: 'Open the setup checklist' }).click();
		await expect(page).toHaveURL(/\/setup$/);
		await expectFitsWidth(page, 'setup page again');
	});
});

test('signed up elsewhere: a second account sees its own checklist', async ({ page, browser }) => {
	await signUp(page);
	await page.goto('/setup');
	await page.getByRole('button', { name: 'Dismiss checklist' }).click();
	await expect(page.getByTestId('setup-dismissed')).toBeVisible();

	const other = await browser.newContext({ baseURL: test.info().project.use.baseURL });
	const page2 = await other.newPage();
	await signUp(page2);
	await expect(page2.getByTestId('setup-card')).toBeVisible();
	await expect(sidebarSetupLink(page2)).toBeVisible();
	await other.close();
});
