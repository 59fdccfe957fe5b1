import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { connectAndSyncDemo } from './demo';
import { signUp } from './helpers';
import { SIM_URL, simInfo, type SimInfo } from './sim';

/**
 * The stale report's watch evidence on the demo world's planted cases (mediasim's generator plants
 * them on old movies nobody watched): what cannot be judged is listed apart with why, a play of an
 * earlier file does not count, a partial view does, and the time zone setting is validated.
 */

type Planted = Record<string, number[]>;

async function planted(request: APIRequestContext): Promise<Planted> {
	const res = await request.get(`${SIM_URL}/_admin/planted`);
	expect(res.ok()).toBe(true);
	return (await res.json()) as Planted;
}

/** A planted movie's title, read from the simulated Plex server like any client would. */
async function titleOf(
	request: APIRequestContext,
	sim: SimInfo,
	ratingKey: number
): Promise<string> {
	const home = sim.pms.home!;
	const res = await request.get(`${home.base_url}/library/metadata/${ratingKey}`, {
		headers: { 'X-Plex-Token': home.owner_token, Accept: 'application/json' }
	});
	expect(res.ok()).toBe(true);
	const body = (await res.json()) as { MediaContainer: { Metadata: { title: string }[] } };
	return body.MediaContainer.Metadata[0]!.title;
}

/** The rows whose title is exactly `title` (other movies may contain the same words); the title
 * cell reads "Title · 1999". */
function rowsTitled(page: Page, title: string): Locator {
	const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	return page.getByTestId('report-row').filter({
		has: page
			.getByTestId('row-title')
			.filter({ hasText: new RegExp(`^\\s*${escaped}(\\s·|\\s*$)`) })
	});
}

async function search(page: Page, title: string) {
	await page.getByRole('searchbox', { name: 'Search titles' }).fill(title);
	await page.getByRole('searchbox', { name: 'Search titles' }).press('Enter');
	await expect(page).toHaveURL(new RegExp(`q=${encodeURIComponent(title).replace(/%20/g, '\\+')}`));
}

test.describe('stale report: watch evidence', () => {
	test.describe.configure({ mode: 'serial' });

	let page: Page;
	let titles: Record<string, string>;

	test.beforeAll(async ({ browser }, testInfo) => {
		test.setTimeout(120_000);
		const { baseURL, viewport } = testInfo.project.use;
		page = await (await browser.newContext({ baseURL, viewport })).newPage();
		const sim = await simInfo(page.request);
		const cases = await planted(page.request);
		titles = {};
		for (const name of [
			'in_progress',
			'future_added',
			'future_play',
			'replaced_after_play',
			'jellyfin_played_undated'
		]) {
			titles[name] = await titleOf(page.request, sim, cases[name]![0]!);
		}
		await signUp(page);
		await connectAndSyncDemo(page, sim);
	});

	test.afterAll(async () => {
		await page.context().close();
	});

	test('items whose evidence is unknown are listed apart, each with why', async () => {
		await page.goto('/reports/stale');
		const evidence = page.getByRole('combobox', { name: 'Evidence' });
		await expect(evidence).toHaveValue('stale');
		// Judged stale: a play dated in the future or an added date in the future is never stale.
		await search(page, titles.future_play!);
		await expect(rowsTitled(page, titles.future_play!)).toHaveCount(0);

		await evidence.selectOption({ label: 'Evidence unknown' });
		await expect(page).toHaveURL(/evidence=unknown/);
		const futurePlay = rowsTitled(page, titles.future_play!);
		// Plex and Jellyfin hold the same file: one row, naming the other server's copy.
		await expect(futurePlay).toHaveCount(1);
		await expect(futurePlay.getByRole('link', { name: /^Same file on Jellyfin/ })).toBeVisible();
		await expect(futurePlay.first().getByTestId('row-why')).toContainText(
			/Not judged: play dated \d{4}-\d{2}-\d{2}, in the future/
		);

		await search(page, titles.future_added!);
		await expect(
			rowsTitled(page, titles.future_added!).first().getByTestId('row-why')
		).toContainText(/Not judged: added date \d{4}-\d{2}-\d{2} is in the future/);

		await search(page, titles.jellyfin_played_undated!);
		const undated = rowsTitled(page, titles.jellyfin_played_undated!);
		// Plex saw no play; Jellyfin saw one without a date: a play on either server counts for the
		// one file, so it is not judged (never stale).
		await expect(undated).toHaveCount(1);
		await expect(undated).toContainText('Same file on Jellyfin');
		await expect(undated).toContainText('Unknown'); // last watched: the server gives no date
		await expect(undated.getByTestId('row-why')).toContainText(
			'Not judged: watched at an unknown time (Jellyfin has no date)'
		);
		await page.screenshot({ path: 'test-results/stale-unknown.png', fullPage: true });
	});

	test('a play of an earlier file does not count; a partial view does', async () => {
		await page.goto('/reports/stale');
		await search(page, titles.replaced_after_play!);
		const replaced = rowsTitled(page, titles.replaced_after_play!);
		await expect(replaced).toHaveCount(1);
		await expect(replaced.first().getByTestId('row-why')).toContainText(
			/Not watched since its current file was added on \d{4}-\d{2}-\d{2}; the last play, \d{4}-\d{2}-\d{2}, was of an earlier file/
		);
		// Stopped part way 10 days ago (Plex viewOffset, Jellyfin PlaybackPositionTicks): watched, on both.
		// (Its title is unique in the demo world: the search finds nothing at all, in either view.)
		await search(page, titles.in_progress!);
		await expect(page.getByTestId('report-empty')).toBeVisible();
		await expect(rowsTitled(page, titles.in_progress!)).toHaveCount(0);
		await page.getByRole('combobox', { name: 'Evidence' }).selectOption('unknown');
		await expect(page).toHaveURL(/evidence=unknown/);
		await expect(page.getByTestId('report-empty')).toBeVisible();
	});

	test('the dashboard counts judged-stale items only', async () => {
		await page.goto('/reports/stale');
		const status = await page.getByTestId('page-status').innerText();
		const judged = Number(/·\s*([\d,]+)\s+rows?/.exec(status)![1]!.replace(/,/g, ''));
		await page.goto('/dashboard');
		const card = page.locator('[data-testid="report-card"][data-report="stale"]');
		await expect(card.getByTestId('card-count')).toHaveText(judged.toLocaleString('en-US'));
	});

	test('the time zone is a validated setting, shown in Settings', async () => {
		await page.goto('/settings');
		const field = page.getByLabel('Time zone', { exact: true });
		await expect(field).toHaveValue('UTC');
		await field.fill('Mars/Olympus');
		await expect(page.locator('#setting-time_zone-error')).toContainText(
			"'Mars/Olympus' is not a time zone"
		);
		await page.getByRole('button', { name: 'Save thresholds' }).click();
		await expect(page.getByTestId('thresholds-error')).toContainText('Nothing was saved');
		await field.fill('Pacific/Auckland');
		await page.getByRole('button', { name: 'Save thresholds' }).click();
		await expect(page.getByTestId('thresholds-saved')).toContainText('Saved: Time zone');
		await page.reload();
		await expect(page.getByLabel('Time zone', { exact: true })).toHaveValue('Pacific/Auckland');
	});
});
