import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { connectAndSyncDemo } from './demo';
import { expectFitsWidth, expectNoViolations, signUp } from './helpers';
import { SIM_URL, simInfo, type SimInfo } from './sim';

/** How entries match (backend allowlists/sql.py): the page and the report dialog both say it. */
const MATCH_RULE =
	'An entry matches by its external id (TMDB, IMDb or TVDB) on every server; without one, it matches the item it was added from on that server, and the same file on your other servers; an entry added from a show in your libraries also covers its episodes.';

/** A movie of the demo world nobody watched, with its title as Plex lists it. */
async function neverWatchedMovie(request: APIRequestContext, sim: SimInfo): Promise<string> {
	const planted = (await (await request.get(`${SIM_URL}/_admin/planted`)).json()) as Record<
		string,
		number[]
	>;
	const home = sim.pms.home!;
	const res = await request.get(
		`${home.base_url}/library/metadata/${planted.never_watched_movies![0]}`,
		{ headers: { 'X-Plex-Token': home.owner_token, Accept: 'application/json' } }
	);
	expect(res.ok()).toBe(true);
	const body = (await res.json()) as { MediaContainer: { Metadata: { title: string }[] } };
	return body.MediaContainer.Metadata[0]!.title;
}

function tab(page: Page, label: string) {
	return page
		.getByRole('tablist', { name: 'Allowlists' })
		.getByRole('tab', { name: new RegExp(`^${label}\\b`) });
}

async function expectCount(page: Page, label: string, n: number) {
	await expect(tab(page, label).getByTestId('list-count')).toHaveText(String(n));
}

function csvFile(name: string, text: string) {
	return { name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') };
}

test('add by external id, edit the note and expiry, remove', async ({ page }) => {
	await signUp(page);
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Allowlists' })
		.click();
	await expect(page.getByRole('heading', { level: 1, name: 'Allowlists' })).toBeVisible();
	await expect(page.getByTestId('match-rule')).toHaveText(
		`${MATCH_RULE} A renamed file stays listed.`
	);
	await expect(tab(page, 'Protected')).toHaveAttribute('aria-selected', 'true');
	await expect(page.getByTestId('list-empty')).toContainText('The Protected list is empty');
	await expect(page.getByText('Never reported as stale')).toBeVisible();
	await tab(page, 'French only').click();
	await expect(page.getByTestId('list-empty')).toContainText('The French only list is empty');
	await expect(page.getByText('English audio is not required')).toBeVisible();
	await tab(page, 'Protected').click();

	// Add: a bad external id is refused before sending, with the schema's pattern and the server's
	// words for it, at the field.
	await page.getByRole('button', { name: 'Add entry' }).first().click();
	const add = page.getByRole('dialog', { name: 'Add to an allowlist' });
	await expect(add.getByLabel('List')).toHaveValue('protected');
	await add.getByLabel('Title').fill('The Matrix');
	await add.getByLabel('External id').fill('603');
	await add.getByRole('button', { name: 'Add entry' }).click();
	await expect(add.locator('#add-guid-error')).toHaveText(
		'Must look like tmdb:603, tvdb:121361 or imdb:tt0133093'
	);
	await add.getByLabel('External id').fill('tmdb:603');
	await add.getByLabel(/^Note/).fill('Rewatch every year');
	await add.getByRole('button', { name: 'Add entry' }).click();
	await expect(add).toBeHidden();
	await expect(page.getByTestId('notice')).toHaveText('Added “The Matrix” to Protected.');
	await expectCount(page, 'Protected', 1);
	const row = page.getByTestId('entry-row').filter({ hasText: 'The Matrix' });
	await expect(row.getByTestId('entry-key')).toHaveText('tmdb:603');
	await expect(row.getByTestId('entry-note')).toHaveText('Rewatch every year');
	await expect(row.getByTestId('entry-expiry')).toHaveText('—');

	// Edit the note and set an expiry in the past: the entry shows as expired.
	await row.getByRole('button', { name: 'Edit The Matrix' }).click();
	const edit = page.getByRole('dialog', { name: 'Edit entry' });
	await expect(edit.getByLabel('Note')).toHaveValue('Rewatch every year');
	await edit.getByLabel('Note').fill('Keep until the box set arrives');
	await edit.getByLabel('Expires on').fill('2026-01-15');
	await edit.getByRole('button', { name: 'Save entry' }).click();
	await expect(edit).toBeHidden();
	await expect(row.getByTestId('entry-note')).toHaveText('Keep until the box set arrives');
	await expect(row.getByTestId('entry-expiry')).toContainText('2026');
	await expect(row.getByTestId('entry-expiry')).toContainText('Expired');

	// Move the expiry into the future: no longer expired; it survives a reload.
	await row.getByRole('button', { name: 'Edit The Matrix' }).click();
	await edit.getByLabel('Expires on').fill('2099-06-30');
	await edit.getByRole('button', { name: 'Save entry' }).click();
	await expect(edit).toBeHidden();
	await expect(row.getByTestId('entry-expiry')).toContainText('2099');
	await expect(row.getByTestId('entry-expiry')).not.toContainText('Expired');
	await page.reload();
	await expect(row.getByTestId('entry-expiry')).toContainText('2099');
	await expect(row.getByTestId('entry-note')).toHaveText('Keep until the box set arrives');
	await page.screenshot({ path: 'test-results/allowlists.png', fullPage: true });

	// Remove, after a confirmation that says what happens.
	await row.getByRole('button', { name: 'Remove The Matrix' }).click();
	const confirm = page.getByRole('dialog', { name: 'Remove from Protected?' });
	await expect(confirm).toContainText('can show up in the reports again');
	await confirm.getByRole('button', { name: 'Remove entry' }).click();
	await expect(confirm).toBeHidden();
	await expect(page.getByTestId('notice')).toHaveText('Removed “The Matrix” from Protected.');
	await expect(page.getByTestId('entry-row')).toHaveCount(0);
	await expectCount(page, 'Protected', 0);
});

test('import CSV (a bad file is refused whole, a good one adds), export CSV and JSON', async ({
	page
}) => {
	await signUp(page);
	await page.goto('/allowlists');
	const file = page.getByTestId('import-file');

	// Bad rows: refused with each row named and what is wrong in words, and nothing added.
	await file.setInputFiles(
		csvFile(
			'bad.csv',
			'list,title,guid\nprotected,Alien,tmdb:348\nprotected,Heat,not-an-id\nfavs,Up,tmdb:14160\n' +
				'protected,,tmdb:1\nprotected,Nothing to match,\n'
		)
	);
	const error = page.getByTestId('import-error');
	await expect(error).toContainText(
		'Nothing was imported (rows are counted from the first one after the header).'
	);
	await expect(error.getByRole('listitem')).toHaveText([
		"Row 2: 'not-an-id' is not an external id: write it as tmdb:603, tvdb:121361 or imdb:tt0133093",
		"Row 3: the list 'favs' does not exist; the lists are protected, french_only, french_subs_only, language_exempt, episode_exempt",
		'Row 4: the title is missing',
		'Row 5: the entry matches nothing: give it an external id in the guid column (such as tmdb:603), or both connection_id and upstream_id (as the export writes them)'
	]);
	for (const label of ['Protected', 'French only', 'Language exempt'])
		await expectCount(page, label, 0);
	await page.screenshot({ path: 'test-results/allowlists-import-error.png', fullPage: true });

	// A good file: the counts say what happened.
	const good =
		'list,title,guid,connection_id,upstream_id,note,expires_at\n' +
		'protected,Alien,tmdb:348,,,Classic,\n' +
		'protected,Heat,tmdb:949,,,,2099-01-01T00:00:00Z\n' +
		'language_exempt,Amélie,imdb:tt0211915,,,French film,\n';
	await file.setInputFiles(csvFile('good.csv', good));
	await expect(page.getByTestId('notice')).toHaveText('Imported good.csv: 3 entries added.');
	await expect(error).toHaveCount(0);
	await expectCount(page, 'Protected', 2);
	await expectCount(page, 'Language exempt', 1);
	await expect(page.getByTestId('entry-row')).toHaveCount(2);
	await tab(page, 'Language exempt').click();
	await expect(page.getByTestId('entry-row')).toHaveText([/Amélie.*imdb:tt0211915.*French film/]);

	// The same file again: nothing new.
	await file.setInputFiles(csvFile('good.csv', good));
	await expect(page.getByTestId('notice')).toHaveText(
		'Imported good.csv: 0 entries added, 3 already listed.'
	);

	// Export: a real download, fetched with the session's token.
	const csvDownload = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export CSV' }).click();
	const csv = await csvDownload;
	expect(csv.suggestedFilename()).toBe('media-janitor-allowlists.csv');
	const csvText = readFileSync(await csv.path(), 'utf8');
	const lines = csvText.trim().split(/\r?\n/);
	expect(lines[0]).toBe('list,title,guid,connection_id,upstream_id,note,expires_at');
	expect(lines).toHaveLength(4);
	expect(csvText).toContain('language_exempt,Amélie,imdb:tt0211915');

	const jsonDownload = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export JSON' }).click();
	const json = await jsonDownload;
	expect(json.suggestedFilename()).toBe('media-janitor-allowlists.json');
	const rows = JSON.parse(readFileSync(await json.path(), 'utf8')) as {
		title: string;
		list: string;
	}[];
	expect(rows.map((r) => r.title).sort()).toEqual(['Alien', 'Amélie', 'Heat']);

	// The exported JSON imports back as "already listed".
	await file.setInputFiles({
		name: 'back.json',
		mimeType: 'application/json',
		buffer: readFileSync(await json.path())
	});
	await expect(page.getByTestId('notice')).toHaveText(
		'Imported back.json: 0 entries added, 3 already listed.'
	);
});

test('add a title found in the synced libraries; the report dialog says how entries match', async ({
	page
}) => {
	test.setTimeout(120_000); // connects and syncs the demo world
	const sim = await simInfo(page.request);
	const title = await neverWatchedMovie(page.request, sim);
	await signUp(page);
	await connectAndSyncDemo(page, sim);
	await page.goto('/allowlists');
	await page.getByRole('button', { name: 'Add entry' }).first().click();
	const add = page.getByRole('dialog', { name: 'Add to an allowlist' });
	const search = add.getByRole('combobox', { name: 'Find in your libraries' });

	// Nothing found says so.
	await search.fill('zzz no such title');
	await expect(add.locator('#add-search-status')).toHaveText(
		'No movie or show in your synced libraries has “zzz no such title” in its title.'
	);

	// Case does not matter; each hit says what it is and where.
	await search.fill(title.toUpperCase());
	const hits = add.getByRole('listbox', { name: 'Titles found' }).getByRole('option');
	const onPlex = hits.filter({ hasText: sim.pms.home!.name }).filter({ hasText: title }).first();
	await expect(onPlex).toBeVisible();
	await expect(onPlex).toContainText(/\d{4} · Movie · /);
	await expect(add.locator('#add-search-status')).toContainText(
		/found\. Choose one to add it \(arrow keys, then Enter\)\.$/
	);
	await onPlex.click();

	// The chosen title replaces the search and the external id fields, and says what it will match.
	const chosen = add.getByTestId('chosen-hit');
	await expect(chosen).toContainText(title);
	const match = chosen.getByText(/^Matches (tmdb|tvdb|imdb):\S+ on every server\.$/);
	await expect(match).toBeVisible();
	const guid = (await match.innerText()).replace(/^Matches (\S+) on every server\.$/, '$1');
	await expect(add.getByLabel('External id')).toHaveCount(0);
	await add.getByLabel(/^Note/).fill('Found by title');
	await add.getByRole('button', { name: 'Add entry' }).click();
	await expect(add).toBeHidden();
	await expect(page.getByTestId('notice')).toHaveText(`Added “${title}” to Protected.`);
	const row = page.getByTestId('entry-row').filter({ hasText: title });
	await expect(row.getByTestId('entry-key')).toHaveText(guid);
	await expect(row.getByTestId('entry-note')).toHaveText('Found by title');

	// Choosing, then choosing another: the search comes back.
	await page.getByRole('button', { name: 'Add entry' }).first().click();
	await search.fill(title);
	await hits.first().click();
	await add.getByRole('button', { name: 'Choose another title' }).click();
	await expect(search).toBeVisible();
	await expect(add.getByLabel('External id')).toBeVisible();
	await add.getByRole('button', { name: 'Cancel' }).click();

	// The report's dialog says the same rule.
	await page.goto('/reports/stale');
	await page.getByTestId('report-row').first().getByRole('checkbox').check();
	await page.getByRole('button', { name: 'Add to allowlist…' }).click();
	const dialog = page.getByRole('dialog', { name: 'Add 1 item to an allowlist' });
	await expect(dialog.getByTestId('match-rule')).toHaveText(MATCH_RULE);
});

test('search by title shows posters; the keyboard alone adds a title; fits a phone', async ({
	page
}) => {
	test.setTimeout(150_000); // connects and syncs the demo world, then several axe runs
	const sim = await simInfo(page.request);
	const title = await neverWatchedMovie(page.request, sim);
	await signUp(page);
	await connectAndSyncDemo(page, sim);
	await page.goto('/allowlists');
	await page.getByRole('button', { name: 'Add entry' }).first().click();
	const add = page.getByRole('dialog', { name: 'Add to an allowlist' });
	const search = add.getByRole('combobox', { name: 'Find in your libraries' });
	const list = add.getByRole('listbox', { name: 'Titles found' });
	await search.fill(title);
	await expect(search).toHaveAttribute('aria-expanded', 'true');
	await expect(search).toHaveAttribute('aria-controls', (await list.getAttribute('id'))!);
	const options = list.getByRole('option');
	await expect(options.first()).toBeVisible();

	// Each title shows its poster, fetched from its server through the app (a real image).
	const poster = options.first().getByTestId('poster').locator('img');
	await expect(poster).toHaveAttribute('alt', '');
	await expect(poster).toHaveAttribute('width', '32');
	await expect
		.poll(() => poster.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
		.toBeGreaterThan(0);

	// Arrow keys move the highlight (aria-activedescendant), Escape closes the list.
	await search.press('ArrowDown');
	const first = options.first();
	await expect(first).toHaveAttribute('aria-selected', 'true');
	await expect(search).toHaveAttribute('aria-activedescendant', (await first.getAttribute('id'))!);
	if ((await options.count()) > 1) {
		await search.press('ArrowDown');
		await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
		await search.press('ArrowUp');
	}
	await expect(first).toHaveAttribute('aria-selected', 'true');
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await expectNoViolations(page, `add dialog with titles found (${scheme})`);
	}
	await page.emulateMedia({ colorScheme: 'light' });
	await search.press('Escape');
	await expect(search).toHaveAttribute('aria-expanded', 'false');
	await expect(search).not.toHaveAttribute('aria-activedescendant');
	await expect(add).toBeVisible(); // the first Escape closes only the list

	// On a phone the dialog and its titles fit the screen.
	await page.setViewportSize({ width: 390, height: 844 });
	await search.press('ArrowDown');
	await expect(list).toBeVisible();
	await expectFitsWidth(page, 'add dialog on a phone');
	const box = await list.boundingBox();
	expect(box!.x + box!.width, 'the titles fit the phone’s width').toBeLessThanOrEqual(390);

	// Enter adds the highlighted title: no mouse at all.
	const firstTitle = (await first.locator('.font-medium').innerText()).trim();
	await search.press('Enter');
	await expect(add).toBeHidden();
	await expect(page.getByTestId('notice')).toHaveText(`Added “${firstTitle}” to Protected.`);
	await expect(page.getByTestId('entry-row').filter({ hasText: firstTitle })).toHaveCount(1);
});

for (const scheme of ['light', 'dark'] as const) {
	test(`allowlists: no WCAG A/AA violations (${scheme})`, async ({ page }) => {
		test.setTimeout(60_000); // several axe runs
		await page.emulateMedia({ colorScheme: scheme });
		await signUp(page);
		await page.goto('/allowlists');
		await expect(page.getByTestId('list-empty')).toBeVisible();
		await expectNoViolations(page, 'allowlists empty');
		await page
			.getByTestId('import-file')
			.setInputFiles(
				csvFile(
					'a.csv',
					'list,title,guid,note,expires_at\nprotected,Alien,tmdb:348,Old,2020-01-01T00:00:00Z\n'
				)
			);
		await expect(page.getByTestId('entry-row')).toHaveCount(1);
		await expect(page.getByTestId('entry-expiry')).toContainText('Expired');
		await expectNoViolations(page, 'allowlists with an entry');
		await page.getByRole('button', { name: 'Add entry' }).first().click();
		const add = page.getByRole('dialog', { name: 'Add to an allowlist' });
		await add.getByRole('combobox', { name: 'Find in your libraries' }).fill('zzz');
		await expect(add.locator('#add-search-status')).toContainText('No movie or show');
		await add.getByRole('button', { name: 'Add entry' }).click();
		await expect(page.locator('#add-guid-error')).toBeVisible();
		await expectNoViolations(page, 'add dialog with errors');
	});
}
