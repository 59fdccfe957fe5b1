import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { connectAndSyncDemo } from './demo';
import { expectNoViolations, signUp } from './helpers';
import { simInfo } from './sim';

const REPORTS = [
	{ path: '/reports/stale', title: 'Stale content' },
	{ path: '/reports/large', title: 'Large movies' },
	{ path: '/reports/duplicates', title: 'Duplicate tracks' },
	{ path: '/reports/languages', title: 'Language issues' },
	{ path: '/reports/requests', title: 'Jellyseerr requests' },
	{ path: '/reports/recently-available', title: 'Recently available' }
] as const;

/** "Page 1 of 3 · 86 rows" → 86. */
async function total(page: Page): Promise<number> {
	const text = await page.getByTestId('page-status').innerText();
	const m = /·\s*([\d,]+)\s+(rows?|groups?)/.exec(text);
	expect(m, text).not.toBeNull();
	return Number(m![1].replace(/,/g, ''));
}

async function titles(page: Page): Promise<string[]> {
	return page.getByTestId('report-row').getByTestId('row-title').allInnerTexts();
}

function rows(page: Page): Locator {
	return page.getByTestId('report-row');
}

/** Open a report from the overview, as a person would. */
async function openReport(page: Page, title: string) {
	await page.goto('/reports');
	await page.getByRole('list', { name: 'Reports' }).getByRole('link', { name: title }).click();
	await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
}

test.describe('reports on a synced demo world', () => {
	test.describe.configure({ mode: 'serial' });

	let page: Page;

	test.beforeAll(async ({ browser }, testInfo) => {
		test.setTimeout(120_000);
		// One account for the whole group: signing up and syncing once keeps the suite quick.
		const { baseURL, viewport } = testInfo.project.use;
		page = await (await browser.newContext({ baseURL, viewport })).newPage();
		const request = page.request;
		const sim = await simInfo(request);
		const signedUp = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/signup'));
		await signUp(page);
		const token = ((await (await signedUp).json()) as { access_token: string }).access_token;
		await connectAndSyncDemo(page, sim);
		// The demo world is dated today; a wide window reaches items of every age it holds.
		const res = await request.patch('/api/v1/settings/reports', {
			headers: { Authorization: `Bearer ${token}` },
			data: { recently_available_days: 365 }
		});
		expect(res.ok()).toBe(true);
	});

	test.afterAll(async () => {
		await page.context().close();
	});

	test('every report lists rows, each with its reason and a link to the item', async () => {
		for (const report of REPORTS) {
			await openReport(page, report.title);
			await expect(page).toHaveURL(new RegExp(`${report.path}$`));
			if (report.path === '/reports/duplicates') {
				await expect(page.getByTestId('duplicate-group').first()).toBeVisible();
				await expect(page.getByTestId('keeper-badge').first()).toBeVisible();
			} else {
				await expect(rows(page).first()).toBeVisible();
				await expect(rows(page).first().getByTestId('row-why')).not.toHaveText(/^Why:\s*$/);
			}
			expect(await total(page)).toBeGreaterThan(0);
		}
		// Rows open the item in its own server, in a new tab.
		await openReport(page, 'Large movies');
		const link = rows(page)
			.first()
			.getByRole('link', { name: /^Open .* in (Plex|Jellyfin)/ });
		await expect(link).toHaveAttribute('target', '_blank');
		await expect(link).toHaveAttribute('rel', 'noopener');
		await expect(link).toHaveAttribute('href', /^http:\/\/127\.0\.0\.1:\d+\/(pms|jellyfin)\//);
		await page.screenshot({ path: 'test-results/report-large.png', fullPage: true });
	});

	test('sorting by a column is done by the server and kept in the URL', async () => {
		await openReport(page, 'Large movies');
		const size = page.getByRole('columnheader', { name: 'Size' });
		const title = page.getByRole('columnheader', { name: 'Title' });
		await expect(size).toHaveAttribute('aria-sort', 'descending');
		await expect(title).toHaveAttribute('aria-sort', 'none');
		const bySize = await titles(page);

		await title.getByRole('button').click();
		await expect(page).toHaveURL(/sort=title&order=asc/);
		await expect(title).toHaveAttribute('aria-sort', 'ascending');
		await expect(size).toHaveAttribute('aria-sort', 'none');
		await expect.poll(() => titles(page)).not.toEqual(bySize);
		const az = await titles(page);
		const lower = az.map((t) => t.toLowerCase());
		expect(lower).toEqual([...lower].sort());

		await title.getByRole('button').click();
		await expect(title).toHaveAttribute('aria-sort', 'descending');
		await expect.poll(async () => (await titles(page))[0]).toBe(az[az.length - 1]);

		// Reload keeps the order; Back returns to the previous one.
		await page.reload();
		await expect(page.getByRole('columnheader', { name: 'Title' })).toHaveAttribute(
			'aria-sort',
			'descending'
		);
		await page.goBack();
		await expect(page.getByRole('columnheader', { name: 'Title' })).toHaveAttribute(
			'aria-sort',
			'ascending'
		);
		expect(await titles(page)).toEqual(az);
	});

	test('another page starts at the top of the table', async () => {
		// 25 rows a page: the first of these reports with more than one page of them in the demo world.
		const first = () => rows(page).or(page.getByTestId('duplicate-group')).first();
		let found = '';
		for (const path of ['/reports/languages', '/reports/stale', '/reports/duplicates']) {
			await page.goto(`${path}?size=25`);
			await expect(first()).toBeVisible();
			if ((await total(page)) > 25) {
				found = path;
				break;
			}
		}
		expect(found, 'a report with more than 25 rows in the demo world').not.toBe('');
		const before = await first().innerText();
		const next = page.getByRole('button', { name: 'Next page' });
		await next.scrollIntoViewIfNeeded();
		await expect(first()).not.toBeInViewport();
		await next.click();
		await expect(page).toHaveURL(/[?&]page=2/);
		await expect(page.getByTestId('page-status')).toContainText('Page 2 of');
		await expect.poll(() => first().innerText()).not.toBe(before);
		await expect(first()).toBeInViewport();
		// Back to page 1 the same way.
		const previous = page.getByRole('button', { name: 'Previous page' });
		await previous.scrollIntoViewIfNeeded();
		await expect(first()).not.toBeInViewport();
		await previous.click();
		await expect.poll(() => first().innerText()).toBe(before);
		await expect(first()).toBeInViewport();
	});

	test('search and filters narrow the rows; an empty result says so', async () => {
		await openReport(page, 'Stale content');
		const all = await total(page);
		const word = (await titles(page))[0].split(/\s+/)[0];

		await page.getByRole('searchbox', { name: 'Search titles' }).fill(word);
		await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(word)}`));
		await expect.poll(() => total(page)).toBeLessThan(all);
		for (const t of await titles(page)) expect(t.toLowerCase()).toContain(word.toLowerCase());

		await page
			.getByRole('combobox', { name: 'Server' })
			.selectOption({ label: 'Jellyfin (Jellyfin)' });
		await expect(page).toHaveURL(/server=/);
		await expect(rows(page).first()).toBeVisible();
		// A row is on Jellyfin when Jellyfin holds it, its own or as the same file as another server's.
		for (const row of await rows(page).all()) {
			const server = await row.locator('td:nth-child(2) p:nth-child(2)').innerText();
			if (!server.startsWith('Jellyfin'))
				await expect(
					row.getByRole('link', { name: /^Same (file|show) on Jellyfin/ })
				).toBeVisible();
		}

		await page.getByRole('searchbox', { name: 'Search titles' }).fill('zzz-no-such-title');
		const empty = page.getByTestId('report-empty');
		await expect(empty).toHaveAttribute('data-reason', 'filtered');
		await expect(empty).toContainText('Nothing matches these filters');
		await empty.getByRole('button', { name: 'Clear filters' }).click();
		await expect.poll(() => total(page)).toBe(all);
		await expect(page.getByRole('searchbox', { name: 'Search titles' })).toHaveValue('');

		// The languages report's own filter.
		await openReport(page, 'Language issues');
		const issues = await total(page);
		await page.getByRole('combobox', { name: 'Issue' }).selectOption('subtitles');
		await expect(page).toHaveURL(/issue=subtitles/);
		await expect.poll(() => total(page)).toBeLessThan(issues);
		for (const why of await rows(page).getByTestId('row-why').allInnerTexts())
			expect(why).toContain('subtitles');
	});

	test('the library filter offers only the libraries a report reads', async () => {
		const offered = async (report: string) => {
			await openReport(page, report);
			const options = await page
				.getByRole('combobox', { name: 'Library' })
				.locator('option')
				.allInnerTexts();
			expect(options[0]).toBe('All libraries');
			return options.slice(1).map((o) => o.split(' · ')[0]);
		};
		// The demo world's Plex and Jellyfin each hold Movies, TV Shows and Music.
		expect(new Set(await offered('Large movies'))).toEqual(new Set(['Movies']));
		expect(new Set(await offered('Stale content'))).toEqual(new Set(['Movies', 'TV Shows']));
		expect(new Set(await offered('Language issues'))).toEqual(new Set(['Movies', 'TV Shows']));
		expect(new Set(await offered('Duplicate tracks'))).toEqual(new Set(['Music']));
	});

	test('a stale row added to the protected list leaves the stale report', async () => {
		await openReport(page, 'Stale content');
		const before = await total(page);
		const first = rows(page).first();
		const name = await first.getByTestId('row-title').innerText();
		await first.getByRole('checkbox').check();
		await expect(page.getByTestId('bulk-bar')).toContainText('1 selected');
		await page.getByRole('button', { name: 'Add to allowlist…' }).click();
		const dialog = page.getByRole('dialog', { name: 'Add 1 item to an allowlist' });
		await expect(dialog.getByLabel('List')).toHaveValue('protected');
		await dialog.getByLabel(/^Note/).fill('family favourite');
		await dialog.getByRole('button', { name: 'Add to Protected' }).click();
		await expect(dialog).toBeHidden();
		await expect(page.getByTestId('report-notice')).toHaveText(
			'Added 1 item to Protected. They leave this report.'
		);
		// Entries match by server and id, and by external id: the same movie on the other server goes too.
		await expect.poll(() => total(page)).toBeLessThan(before);
		expect(await titles(page)).not.toContain(name);
	});

	test('a language row added to the language-exempt list leaves the languages report', async () => {
		await openReport(page, 'Language issues');
		const before = await total(page);
		const first = rows(page).first();
		const key = await first.innerText();
		await first.getByRole('checkbox').check();
		await page.getByRole('button', { name: 'Add to allowlist…' }).click();
		const dialog = page.getByRole('dialog', { name: 'Add 1 item to an allowlist' });
		await dialog.getByLabel('List').selectOption({ label: 'Language exempt' });
		await dialog.getByRole('button', { name: 'Add to Language exempt' }).click();
		await expect(page.getByTestId('report-notice')).toContainText('They leave this report.');
		await expect.poll(() => total(page)).toBeLessThan(before);
		expect(await rows(page).allInnerTexts()).not.toContain(key);

		// Select all on the page ticks every row.
		await page.getByRole('checkbox', { name: 'Select every row on this page' }).check();
		const count = await rows(page).count();
		await expect(page.getByTestId('bulk-bar')).toContainText(`${count} selected`);
		await page.getByRole('checkbox', { name: 'Select every row on this page' }).uncheck();
		await expect(page.getByTestId('bulk-bar')).not.toContainText('selected');
	});

	test('a large movie kept at its size leaves the report, and comes back when restored', async () => {
		await openReport(page, 'Large movies');
		const before = await total(page);
		// The title without its year ("Huge Remux · 2019").
		const name = (await titles(page))[0].split(' · ')[0].trim();
		await rows(page)
			.first()
			.getByRole('button', { name: `Keep this size… ${name}` })
			.click();
		const dialog = page.getByRole('dialog', { name: `Keep “${name}” at this size?` });
		await dialog.getByLabel(/^Note/).fill('the extended cut');
		await dialog.getByRole('button', { name: 'Keep this size' }).click();
		await expect(dialog).toBeHidden();
		await expect(page.getByTestId('report-notice')).toContainText(
			`“${name}” is kept at`
		);
		await expect.poll(() => total(page)).toBe(before - 1);
		expect((await titles(page)).map((t) => t.split(' · ')[0].trim())).not.toContain(name);
		// Still kept after a reload: it is saved for the account.
		await page.reload();
		await expect.poll(() => total(page)).toBe(before - 1);

		await page.getByRole('combobox', { name: 'Show' }).selectOption({ label: 'Kept at this size' });
		await expect(page).toHaveURL(/show=dismissed/);
		await expect(page.getByTestId('filter-note')).toContainText('keep at their size');
		await expect(rows(page)).toHaveCount(1);
		await expect(rows(page).first().getByTestId('row-title')).toContainText(name);
		await expect(rows(page).first().getByTestId('row-kept')).toContainText('“the extended cut”');
		await rows(page)
			.first()
			.getByRole('button', { name: `Restore ${name}` })
			.click();
		await expect(page.getByTestId('report-notice')).toHaveText(`“${name}” is back in the report.`);
		await expect(page.getByTestId('report-empty')).toBeVisible();

		await page.getByRole('combobox', { name: 'Show' }).selectOption({ label: 'In the report' });
		await expect.poll(() => total(page)).toBe(before);
		expect((await titles(page)).map((t) => t.split(' · ')[0].trim())).toContain(name);
	});

	test('choosing another keeper in duplicates marks it', async () => {
		await openReport(page, 'Duplicate tracks');
		const group = page.getByTestId('duplicate-group').first();
		const other = group.getByTestId('duplicate-copy').filter({ has: page.getByRole('button') });
		const file = await other.first().getByTestId('copy-file').innerText();
		await other
			.first()
			.getByRole('button', { name: `Keep this: ${file}` })
			.click();
		await expect(page.getByTestId('report-notice')).toHaveText(`${file} is now the copy to keep.`);
		const chosen = page
			.getByTestId('duplicate-copy')
			.filter({ hasText: file })
			.filter({ has: page.getByTestId('keeper-badge') });
		await expect(chosen).toHaveCount(1);
		await expect(
			page.getByTestId('duplicate-group').filter({ has: chosen }).getByTestId('keeper-reason')
		).toHaveText('Keep the copy you chose');
		await page.reload();
		await expect(chosen).toHaveCount(1);
	});

	test('duplicates by album: export, album view, and back to the tracks of an album', async () => {
		await openReport(page, 'Duplicate tracks');
		const download = page.waitForEvent('download');
		await page.getByRole('button', { name: 'Export CSV' }).click();
		const lines = (await readFile(await (await download).path(), 'utf8')).trim().split(/\r?\n/);
		expect(lines[0]).toMatch(/^group,kind,title,artist,album,keeper,/);
		const copies = await page.getByTestId('duplicate-copy').count();
		const groups = await total(page);
		if (groups <= 50) expect(lines.length - 1).toBe(copies);
		expect(lines.filter((l) => l.split(',')[5] === 'keep')).toHaveLength(groups);

		const views = page.getByRole('navigation', { name: 'Duplicates view' });
		await views.getByRole('link', { name: 'By album' }).click();
		await expect(page).toHaveURL(/\/reports\/duplicates\/albums$/);
		await expect(views.getByRole('link', { name: 'By album' })).toHaveAttribute(
			'aria-current',
			'page'
		);
		const albums = page.getByTestId('duplicate-album');
		await expect(albums.first()).toBeVisible();
		const extra = (await albums.getByTestId('album-extra').allInnerTexts()).map(Number);
		expect(extra.every((n) => n >= 1)).toBe(true);
		// sorted by how many tracks need a look, most first; the header flips it
		const sortBy = page.getByRole('button', { name: 'Tracks to review' });
		await expect(page.getByRole('columnheader', { name: 'Tracks to review' })).toHaveAttribute(
			'aria-sort',
			'descending'
		);
		await sortBy.click();
		await expect(page).toHaveURL(/order=asc/);
		await expect(page.getByRole('columnheader', { name: 'Tracks to review' })).toHaveAttribute(
			'aria-sort',
			'ascending'
		);
		// The heading says what this view lists: albums.
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Albums with duplicate tracks');
		await expect(page).toHaveTitle(/^Albums with duplicate tracks · /);

		// Sorting by Album sorts by the album's name (not its artist's), A to Z, then Z to A.
		const names = async () =>
			(await albums.getByRole('link').allInnerTexts()).filter((n) => n !== 'Unknown album');
		const initials = async () => (await names()).map((n) => n.trim().charAt(0).toLowerCase());
		const ordered = (xs: string[], dir: 1 | -1) =>
			xs.every((x, i) => i === 0 || dir * x.localeCompare(xs[i - 1]) >= 0);
		await page.getByRole('button', { name: 'Album', exact: true }).click();
		await expect(page).toHaveURL(/sort=album&order=asc/);
		await expect(page.getByRole('columnheader', { name: 'Album', exact: true })).toHaveAttribute(
			'aria-sort',
			'ascending'
		);
		await expect.poll(async () => ordered(await initials(), 1)).toBe(true);
		expect(new Set(await initials()).size).toBeGreaterThan(1);
		await page.getByRole('button', { name: 'Album', exact: true }).click();
		await expect(page).toHaveURL(/sort=album&order=desc/);
		await expect.poll(async () => ordered(await initials(), -1)).toBe(true);

		// A row opens its album's tracks: exactly that album's groups, on its server.
		const row = albums.filter({ hasNotText: 'Unknown' }).first();
		const album = await row.getByRole('link').innerText();
		const artist = await row.locator('td').first().locator('p').innerText();
		const tracks = Number(await row.locator('td').nth(1).innerText());
		await row.click(); // the middle of the row, away from its link's text
		await expect(page).toHaveURL(/\/reports\/duplicates\?server=[^&]+&artist=[^&]*&album=/);
		await expect(page.getByTestId('album-tracks')).toHaveText(
			`The tracks of ${album} by ${artist}. Every album's tracks`
		);
		const ofAlbum = page.getByTestId('duplicate-group');
		await expect(ofAlbum).toHaveCount(tracks);
		for (const line of await ofAlbum.locator('h2 + p').allInnerTexts())
			expect(line.toLowerCase()).toBe(`${artist} · ${album}`.toLowerCase());
		// And back to every album's tracks.
		await page.getByRole('link', { name: "Every album's tracks" }).click();
		await expect(page).not.toHaveURL(/album=/);
		await expect(page.getByTestId('album-tracks')).toHaveCount(0);
		expect(await total(page)).toBeGreaterThan(tracks);
	});

	test('the CSV export holds exactly the filtered rows', async () => {
		await openReport(page, 'Large movies');
		await page
			.getByRole('combobox', { name: 'Server' })
			.selectOption({ label: 'Home Server (Plex)' });
		await expect(page).toHaveURL(/server=/);
		await expect(rows(page).first()).toContainText('Home Server');
		const shown = await total(page);
		const download = page.waitForEvent('download');
		await page.getByRole('button', { name: 'Export CSV' }).click();
		const file = await download;
		expect(file.suggestedFilename()).toMatch(/^media-janitor-large-\d{4}-\d{2}-\d{2}\.csv$/);
		const lines = (await readFile(await file.path(), 'utf8')).trim().split(/\r?\n/);
		expect(lines[0]).toBe(
			'connection_id,upstream_id,title,year,size_bytes,video_resolution,video_codec,bitrate_kbps,added_at,server,library,link,why,copies,dismissed_at,dismissed_note'
		);
		expect(lines.length - 1).toBe(shown);
		for (const line of lines.slice(1)) expect(line).toContain('Home Server');
	});

	for (const scheme of ['light', 'dark'] as const) {
		test(`no WCAG A/AA violations on the report pages (${scheme})`, async () => {
			test.setTimeout(120_000);
			await page.emulateMedia({ colorScheme: scheme });
			await page.goto('/reports');
			await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
			await expectNoViolations(page, 'reports');
			for (const report of REPORTS) {
				// 25 rows a page: axe takes seconds per 50-row table and 14 pages are checked.
				await page.goto(`${report.path}?size=25`);
				await expect(page.getByTestId('page-status')).toBeVisible();
				await expectNoViolations(page, report.path);
			}
			await page.goto('/reports/stale');
			await rows(page).first().getByRole('checkbox').check();
			await page.getByRole('button', { name: 'Add to allowlist…' }).click();
			await expect(page.getByRole('dialog')).toBeVisible();
			await expectNoViolations(page, 'allowlist dialog');
			await page.keyboard.press('Escape');
			await page.emulateMedia({ colorScheme: null });
		});
	}

	test('on a phone a report row is a card: its columns and actions on screen, the page not wider', async () => {
		await page.setViewportSize({ width: 390, height: 844 });
		await page.goto('/reports/stale');
		await expect(rows(page).first()).toBeVisible();
		const first = rows(page).first();
		await expect(first.getByTestId('row-title')).toBeInViewport();
		await expect(page.getByRole('button', { name: 'Next page' })).toBeVisible();
		const overflow = await page.evaluate(
			() => document.documentElement.scrollWidth - document.documentElement.clientWidth
		);
		expect(overflow).toBeLessThanOrEqual(0);
		await expect(first.getByTestId('row-columns')).toBeVisible();
		await expect(first.getByTestId('row-columns')).toContainText('Size');
		const open = first.getByRole('link', { name: /^Open .* in (Plex|Jellyfin)/ });
		await expect(open).toBeVisible();
		const box = await open.boundingBox();
		expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
		await page.screenshot({ path: 'test-results/report-stale-phone.png', fullPage: true });
		await page.setViewportSize({ width: 1280, height: 720 });
	});
});

test('a fresh account is told why the reports are empty', async ({ page }) => {
	await signUp(page);
	await openReport(page, 'Stale content');
	const empty = page.getByTestId('report-empty');
	await expect(empty).toHaveAttribute('data-reason', 'no-connection');
	await expect(empty.getByRole('heading', { name: 'No server connected yet' })).toBeVisible();
	await expect(empty.getByRole('link', { name: 'Go to Connections' })).toHaveAttribute(
		'href',
		'/connections'
	);
	await page.goto('/reports/requests');
	await expect(page.getByTestId('report-empty')).toHaveAttribute('data-reason', 'no-connection');
	await expectNoViolations(page, 'empty report');
	await page.screenshot({ path: 'test-results/report-empty.png', fullPage: true });
});
