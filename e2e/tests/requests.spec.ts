import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { connectAndSyncDemo } from './demo';
import { signUp } from './helpers';
import { SIM_URL, simInfo, type SimInfo } from './sim';

/** "Page 1 of 3 · 86 rows" → 86. */
async function total(page: Page): Promise<number> {
	const text = await page.getByTestId('page-status').innerText();
	const m = /·\s*([\d,]+)\s+rows?/.exec(text);
	expect(m, text).not.toBeNull();
	return Number(m![1].replace(/,/g, ''));
}

const rows = (page: Page) => page.getByTestId('report-row');

/** How many requests Jellyseerr's own filter lists. */
async function seerrTotal(
	request: APIRequestContext,
	sim: SimInfo,
	filter: string
): Promise<number> {
	const res = await request.get(`${sim.jellyseerr.base_url}/api/v1/request`, {
		params: { filter, take: 1 },
		headers: { 'X-Api-Key': sim.jellyseerr.api_key }
	});
	expect(res.ok()).toBe(true);
	return ((await res.json()) as { pageInfo: { results: number } }).pageInfo.results;
}

interface PlexItem {
	title: string;
	addedAt: number;
}

async function plexItem(request: APIRequestContext, sim: SimInfo, id: string): Promise<PlexItem> {
	const home = sim.pms.home!;
	const res = await request.get(`${home.base_url}/library/metadata/${id}`, {
		headers: { 'X-Plex-Token': home.owner_token, Accept: 'application/json' }
	});
	expect(res.ok()).toBe(true);
	return ((await res.json()) as { MediaContainer: { Metadata: PlexItem[] } }).MediaContainer
		.Metadata[0];
}

async function redate(request: APIRequestContext, id: string, addedAt: number) {
	const res = await request.post(`${SIM_URL}/_admin/items/added`, {
		data: { service: 'pms:home', ids: [id], added_at: addedAt }
	});
	expect(res.ok()).toBe(true);
}

test.describe('requests, dates and sizes on a synced demo world', () => {
	test.describe.configure({ mode: 'serial' });

	let page: Page;
	let sim: SimInfo;
	// A movie the demo server dates 40 days in the future (its clock or a bad tag), put back afterwards.
	let future: { id: string; original: PlexItem; day: string };

	test.beforeAll(async ({ browser }, testInfo) => {
		test.setTimeout(120_000);
		const { baseURL, viewport } = testInfo.project.use;
		page = await (await browser.newContext({ baseURL, viewport })).newPage();
		sim = await simInfo(page.request);
		const planted = (await (await page.request.get(`${SIM_URL}/_admin/planted`)).json()) as {
			never_watched_movies: number[];
		};
		const id = String(planted.never_watched_movies[0]);
		const when = new Date(Date.now() + 40 * 86_400_000);
		future = {
			id,
			original: await plexItem(page.request, sim, id),
			day: when.toISOString().slice(0, 10)
		};
		await redate(page.request, id, Math.floor(when.getTime() / 1000));
		await signUp(page);
		await connectAndSyncDemo(page, sim);
	});

	test.afterAll(async () => {
		await redate(page.request, future.id, future.original.addedAt);
		await page.context().close();
	});

	test('the requests report says what unavailable and gone mean, and filters by them as Jellyseerr does', async () => {
		await page.goto('/reports/requests');
		const terms = page.getByTestId('report-terms');
		await expect(terms.locator('dt')).toHaveText([
			'Unavailable',
			'Gone',
			'Stuck',
			'Dated in the future'
		]);
		await expect(terms.locator('dd').nth(0)).toContainText(
			'As in Jellyseerr: requested (pending approval or approved) and not available yet'
		);
		await expect(terms.locator('dd').nth(1)).toHaveText(
			'Was available, then deleted from the media server, or blocklisted in Jellyseerr.'
		);
		const status = page.getByRole('combobox', { name: 'Status' });

		// Unavailable: exactly Jellyseerr's own "unavailable" list, each row not available yet.
		await status.selectOption({ label: 'Unavailable (not available yet)' });
		await expect(page).toHaveURL(/category=unavailable/);
		await expect.poll(() => total(page)).toBe(await seerrTotal(page.request, sim, 'unavailable'));
		for (const row of await rows(page).allInnerTexts())
			expect(row).toMatch(/(Pending approval|Approved) · (not available yet|partly available)/);

		// Gone: available once, then deleted; never "unavailable".
		await status.selectOption({ label: 'Gone (deleted or blocklisted)' });
		await expect(page).toHaveURL(/category=gone/);
		await expect(rows(page).first()).toBeVisible();
		for (const row of await rows(page).allInnerTexts()) {
			expect(row).toContain('Gone · deleted');
			expect(row).toContain('Was available, then deleted from the media server');
		}
		await page.screenshot({ path: 'test-results/report-requests-gone.png', fullPage: true });

		// The export holds the filtered rows with their category and flags.
		const shown = await total(page);
		const download = page.waitForEvent('download');
		await page.getByRole('button', { name: 'Export CSV' }).click();
		const lines = (await readFile(await (await download).path(), 'utf8')).trim().split(/\r?\n/);
		expect(lines[0]).toContain('category,unavailable,stuck,future_dates,media_status');
		expect(lines.length - 1).toBe(shown);
		for (const line of lines.slice(1)) expect(line).toContain(',gone,False,');

		// The dashboard counts each request once and says what overlaps.
		await page.goto('/dashboard');
		const card = page.locator('[data-testid="report-card"][data-report="requests"]');
		await expect(card.getByTestId('card-breakdown')).toContainText(
			`${await seerrTotal(page.request, sim, 'unavailable')} not available yet`
		);
		await expect(card.getByTestId('card-breakdown')).toContainText('gone');
	});

	test('a date in the future is never recent, and is listed apart with the date it claims', async () => {
		const title = future.original.title;
		await page.goto(`/reports/recently-available?q=${encodeURIComponent(title)}`);
		await expect(page.getByTestId('report-empty')).toBeVisible();

		await page
			.getByRole('combobox', { name: 'Dates' })
			.selectOption({ label: 'Dated in the future' });
		await expect(page).toHaveURL(/dates=future/);
		const row = rows(page).filter({ hasText: title }).first();
		await expect(row.getByTestId('row-why')).toContainText(
			`Plex says it was added on ${future.day}`
		);
		await expect(row.getByTestId('row-why')).toContainText('in the future: a suspect date');
		await expect(row).toContainText('(in the future)');
		await expect(page.getByTestId('report-terms')).toContainText('Dated in the future');
	});

	test('sizes are decimal GB in the table, the reason and the settings', async () => {
		await page.goto('/reports/large');
		await expect(page.getByTestId('report-terms')).toContainText('1 GB = 1,000,000,000 bytes');
		const download = page.waitForEvent('download');
		await page.getByRole('button', { name: 'Export CSV' }).click();
		const [header, first] = (await readFile(await (await download).path(), 'utf8'))
			.trim()
			.split(/\r?\n/);
		const size = Number(first.split(',')[header.split(',').indexOf('size_bytes')]);
		const gb = (size / 1e9).toFixed(size >= 100e9 ? 0 : 1);
		const row = rows(page).first();
		await expect(row).toContainText(`${gb} GB`);
		await expect(row.getByTestId('row-why')).toHaveText(
			new RegExp(`${gb.replace('.', '\\.')} GB is above the 13 GB threshold`)
		);
		await page.goto('/settings');
		await expect(page.getByText('1 GB = 1,000,000,000 bytes')).toBeVisible();
	});
});
