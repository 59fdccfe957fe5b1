import { expect, test, type Page } from '@playwright/test';
import { connectAndSyncDemo } from './demo';
import { expectNoViolations, signUp } from './helpers';
import { SIM_URL, simInfo } from './sim';

/** "Page 1 of 3 · 86 rows" → 86. */
async function total(page: Page): Promise<number> {
	const text = await page.getByTestId('page-status').innerText();
	const m = /·\s*([\d,]+)\s+rows?/.exec(text);
	expect(m, text).not.toBeNull();
	return Number(m![1].replace(/,/g, ''));
}

function rows(page: Page) {
	return page.getByTestId('report-row');
}

test.describe('the languages report and the language settings on a synced demo world', () => {
	test.describe.configure({ mode: 'serial' });

	let page: Page;
	// The newest files of the demo world, replaced by files the servers have not analysed yet.
	let waiting: { ratingKey: string; title: string }[] = [];

	async function analysis(analysed: boolean, body: Record<string, unknown>) {
		const res = await page.request.post(`${SIM_URL}/_admin/items/analysis`, {
			data: { service: 'pms:home', analysed, ...body }
		});
		expect(res.ok()).toBe(true);
		return ((await res.json()) as { items: { ratingKey: string; title: string }[] }).items;
	}

	test.beforeAll(async ({ browser }, testInfo) => {
		test.setTimeout(120_000);
		const { baseURL, viewport } = testInfo.project.use;
		page = await (await browser.newContext({ baseURL, viewport })).newPage();
		const sim = await simInfo(page.request);
		waiting = await analysis(false, { count: 2 });
		expect(waiting).toHaveLength(2);
		await signUp(page);
		await connectAndSyncDemo(page, sim);
	});

	test.afterAll(async () => {
		// The other specs share this simulator: its files are analysed again.
		await analysis(true, { ids: waiting.map((w) => w.ratingKey) });
		await page.context().close();
	});

	test('files not analysed yet and untagged streams are listed apart, never as missing languages', async () => {
		await page.goto('/reports/languages');
		await expect(page.getByRole('heading', { level: 1, name: 'Language issues' })).toBeVisible();
		const issue = page.getByRole('combobox', { name: 'Issue' });
		await expect(issue).toHaveValue('all');
		await expect(page.getByTestId('filter-note')).toContainText(
			'Untagged streams and files not analysed yet have filters of their own.'
		);
		const missing = await total(page);

		await issue.selectOption({ label: 'Not analysed yet' });
		await expect(page).toHaveURL(/issue=unknown/);
		await expect(page.getByTestId('filter-note')).toContainText(
			'never counted as missing anything'
		);
		// Each such file once (Plex and Jellyfin hold the same files: one row for both).
		await expect.poll(() => total(page)).toBe(waiting.length);
		const listed = await rows(page).getByTestId('row-title').allInnerTexts();
		for (const w of waiting) expect(listed.some((t) => t.includes(w.title))).toBe(true);
		for (const row of await rows(page).all()) {
			await expect(row.getByTestId('row-why')).toContainText(/has not (analysed|given)/);
			await expect(row.getByRole('cell', { name: 'unknown', exact: true })).toHaveCount(2);
		}
		await page.screenshot({ path: 'test-results/languages-unknown.png', fullPage: true });
		await expectNoViolations(page, 'languages report, not analysed yet');

		await issue.selectOption({ label: 'Untagged streams' });
		await expect(page).toHaveURL(/issue=untagged/);
		await expect(page.getByTestId('filter-note')).toContainText('no language tag');
		await expect(rows(page).first()).toBeVisible();
		for (const why of await rows(page).getByTestId('row-why').allInnerTexts())
			expect(why).toMatch(/\d+ (audio|subtitle) tracks? without a language tag/);

		// None of the files waiting for analysis is said to miss a language.
		await issue.selectOption({ label: 'Missing a language' });
		await expect.poll(() => total(page)).toBe(missing);
		const search = page.getByRole('searchbox', { name: 'Search titles' });
		await search.fill(waiting[0].title);
		await expect(page).toHaveURL(/[?&]q=/);
		await expect(page.getByTestId('report-empty').or(rows(page).first())).toBeVisible();
		await expect(rows(page).getByRole('cell', { name: 'unknown', exact: true })).toHaveCount(0);
	});

	test('language settings take codes or names and show the form they are saved in', async () => {
		await page.goto('/settings');
		const form = page.getByRole('form', { name: 'Report thresholds' });
		const audio = form.getByLabel('Required audio languages', { exact: true });
		const subtitles = form.getByLabel('Required subtitle languages', { exact: true });
		await expect(audio).toHaveValue('en, fr');
		await expect(form.getByTestId('required_audio_languages-saved')).toHaveText(
			'Saved as: en (English), fr (French)'
		);

		await audio.fill('English, fra, Deutsch');
		await subtitles.fill('French, fre');
		const patch = page.waitForResponse(
			(r) => r.url().endsWith('/api/v1/settings/reports') && r.request().method() === 'PATCH'
		);
		await form.getByRole('button', { name: 'Save thresholds' }).click();
		expect((await patch).status()).toBe(200);
		await expect(form.getByTestId('thresholds-saved')).toContainText(
			'Saved: Required audio languages, Required subtitle languages.'
		);
		// One canonical form, whatever was typed.
		await expect(audio).toHaveValue('en, fr, de');
		await expect(subtitles).toHaveValue('fr');
		await expect(form.getByTestId('required_audio_languages-saved')).toHaveText(
			'Saved as: en (English), fr (French), de (German)'
		);
		await expect(form.getByTestId('required_subtitle_languages-saved')).toHaveText(
			'Saved as: fr (French)'
		);

		// Something that is no language: the server says what to type, next to the field.
		await subtitles.fill('fr, Elvish');
		await form.getByRole('button', { name: 'Save thresholds' }).click();
		await expect(page.locator('#setting-required_subtitle_languages-error')).toHaveText(
			"'Elvish' is not a language we know; write an ISO 639 code (fr, fre or fra) or an English name (French)"
		);
		await expect(subtitles).toHaveAttribute('aria-invalid', 'true');
		await page.screenshot({ path: 'test-results/settings-languages.png', fullPage: true });
		await page.reload();
		await expect(
			page
				.getByRole('form', { name: 'Report thresholds' })
				.getByLabel('Required subtitle languages', { exact: true })
		).toHaveValue('fr');
	});
});
