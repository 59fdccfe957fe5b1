import { expect, test, type Locator, type Page } from '@playwright/test';
import { connectAndSyncDemo, refreshLibraries } from './demo';
import { signUp } from './helpers';
import { plexEpisodes, plexPlay, resetSim, simInfo, type SimInfo } from './sim';

/**
 * Assignments on the demo world: from the library table (ticked rows, or everything its filters
 * match), from report rows, and in an item's sheet (change the end, unassign). Then the issue's
 * scenario up to the queue: two people assigned to a show watch an episode (plays recorded on the
 * simulated Plex), a sync runs, and the episode shows as queued with its due time; an episode only
 * one of them watched is not queued; a person whose watch data cannot be trusted (the Plex owner:
 * a play dated in the future) makes the answers unknown, says why, and the episode leaves the queue.
 * The plays change the shared simulator, so the spec puts its world back when it ends.
 */

function sheetOf(page: Page): Locator {
	return page.getByTestId('item-sheet');
}

/** A row of the library table: the title on the simulated Plex server. */
function row(page: Page, title: string): Locator {
	return page
		.getByTestId('library-row')
		.filter({
			has: page.getByTestId('row-title').filter({ hasText: new RegExp(`^\\s*${title}\\b`) })
		})
		.filter({ hasText: 'Home Server' });
}

/** A person's checkbox in the assign form: "alice" on Plex (not the Jellyfin one). */
function choice(scope: Locator, name: string, server: RegExp = /Plex/): Locator {
	return scope
		.getByTestId('people-choices')
		.getByRole('listitem')
		.filter({ hasText: new RegExp(`^\\s*${name}\\b`) })
		.filter({ hasText: server })
		.getByRole('checkbox');
}

async function filterPlexShows(page: Page) {
	await page.getByRole('combobox', { name: 'Type' }).selectOption({ label: 'Shows' });
	await expect(page).toHaveURL(/kind=show/);
	await page
		.getByRole('combobox', { name: 'Server' })
		.selectOption({ label: 'Home Server (Plex)' });
	await expect(page).toHaveURL(/server=/);
}

test.describe('assignments', () => {
	test.describe.configure({ mode: 'serial' });

	let page: Page;
	let sim: SimInfo;

	test.beforeAll(async ({ browser }, testInfo) => {
		test.setTimeout(120_000);
		const { baseURL, viewport } = testInfo.project.use;
		page = await (await browser.newContext({ baseURL, viewport })).newPage();
		await resetSim(page.request);
		sim = await simInfo(page.request);
		await signUp(page);
		await connectAndSyncDemo(page, sim);
	});

	test.afterAll(async () => {
		await resetSim(page.request);
		await page.context().close();
	});

	test('the library table: filters kept in the URL, assign ticked rows or everything matching', async () => {
		await page
			.getByRole('navigation', { name: 'Main' })
			.getByRole('link', { name: 'Assignments' })
			.click();
		await expect(page.getByRole('heading', { level: 1, name: 'Assignments' })).toBeVisible();
		await filterPlexShows(page);
		const rows = page.getByTestId('library-row');
		await expect(rows).toHaveCount(2);
		await expect(rows.first().getByTestId('row-assignees')).toHaveText('Nobody');
		const [first, second] = (await rows.getByTestId('row-title').allInnerTexts()).map((t) =>
			t.split(' · ')[0]!.trim()
		);

		// Tick one row: assign carol (Plex) to it, with a date in the past refused first.
		await page.getByRole('checkbox', { name: `Select ${first}` }).check();
		await expect(page.getByTestId('bulk-bar')).toContainText('1 selected');
		await page.getByRole('button', { name: 'Assign people…' }).click();
		const dialog = page.getByRole('dialog', { name: `Assign people to “${first}”` });
		await dialog.getByRole('button', { name: 'Assign', exact: true }).click();
		// Under the people, not in a banner.
		await expect(
			dialog.getByRole('group', { name: 'People' }).getByText('Choose at least one person.')
		).toBeVisible();
		await expect(dialog.getByRole('alert')).toHaveCount(0);
		await choice(dialog, 'carol').check();
		await dialog.getByLabel('Ends (optional)').fill('2020-01-01');
		await dialog.getByRole('button', { name: 'Assign 1 person' }).click();
		await expect(dialog.getByText('The end must be in the future.')).toBeVisible();
		await dialog.getByLabel('Ends (optional)').fill('');
		await dialog.getByRole('button', { name: 'Assign 1 person' }).click();
		await expect(dialog).toBeHidden();
		await expect(page.getByTestId('assign-notice')).toHaveText(
			`Assigned to “${first}”: 1 new assignment.`
		);
		await expect(row(page, first!).getByTestId('row-assignees')).toHaveText('carol');

		// Everything the filters match: search narrows it to the other show.
		await page.getByRole('searchbox', { name: 'Search titles' }).fill(second!);
		await page.getByRole('searchbox', { name: 'Search titles' }).press('Enter');
		await expect(page).toHaveURL(/q=/);
		await expect(rows).toHaveCount(1);
		await page.getByRole('button', { name: 'Assign 1 matching item…' }).click();
		const all = page.getByRole('dialog', { name: 'Assign people to the 1 matching item' });
		await choice(all, 'guest').check();
		await all.getByRole('button', { name: 'Assign 1 person' }).click();
		await expect(all).toBeHidden();
		await expect(page.getByTestId('assign-notice')).toHaveText(
			'Assigned to the 1 matching item: 1 new assignment.'
		);
		await expect(rows.first().getByTestId('row-assignees')).toHaveText('guest');

		// The state is in the URL: a reload keeps the filters.
		await page.reload();
		await expect(page.getByRole('searchbox', { name: 'Search titles' })).toHaveValue(second!);
		await expect(page.getByRole('combobox', { name: 'Type' })).toHaveValue('show');
		await expect(rows).toHaveCount(1);
		await page.screenshot({ path: 'test-results/assignments.png', fullPage: true });
	});

	test("the item's sheet: change the end, unassign; linkable and closed by Back", async () => {
		await page.goto('/assignments?kind=show');
		const target = page.getByTestId('library-row').filter({ hasText: 'carol' });
		await expect(target).toHaveCount(1);
		const title = (await target.getByTestId('row-title').innerText()).split(' · ')[0]!.trim();
		await target.getByRole('button', { name: `Details of ${title} on Home Server` }).click();
		const sheet = sheetOf(page);
		await expect(sheet.getByRole('heading', { name: title })).toBeVisible();
		await expect(page).toHaveURL(/item=/);
		const carol = sheet.getByTestId('assignment').filter({ hasText: 'carol' });
		await expect(carol.getByTestId('assignment-end')).toHaveText('No end date');

		await carol.getByRole('button', { name: "Change end of carol's assignment" }).click();
		await carol.getByLabel('New end').fill('2099-12-31');
		await carol.getByRole('button', { name: 'Save end' }).click();
		await expect(sheet.getByTestId('sheet-notice')).toContainText("carol's assignment now ends");
		await expect(carol.getByTestId('assignment-end')).toHaveText(/^Until .*2099/);

		// The sheet has an address: a reload opens it again; Back closes it.
		await page.reload();
		await expect(sheetOf(page).getByRole('heading', { name: title })).toBeVisible();
		await expect(sheetOf(page).getByTestId('assignment-end')).toHaveText(/^Until .*2099/);
		await page.keyboard.press('Escape');
		await expect(sheetOf(page)).toBeHidden();
		await expect(page).not.toHaveURL(/item=/);
		await target.getByRole('button', { name: `Details of ${title} on Home Server` }).click();
		await expect(sheetOf(page)).toBeVisible();
		await page.goBack();
		await expect(sheetOf(page)).toBeHidden();

		await target.getByRole('button', { name: `Details of ${title} on Home Server` }).click();
		await sheet.getByRole('button', { name: 'Unassign carol' }).click();
		await expect(sheet.getByRole('group', { name: 'Unassign carol?' })).toBeVisible();
		await sheet.getByRole('button', { name: 'Yes, unassign' }).click();
		await expect(sheet.getByTestId('sheet-notice')).toHaveText('carol is no longer assigned.');
		await expect(sheet.getByTestId('assignment')).toHaveCount(0);
		await expect(sheet).toContainText('Nobody is assigned.');
		await page.keyboard.press('Escape');
		await expect(row(page, title).getByTestId('row-assignees')).toHaveText('Nobody');
	});

	test('from report rows: a stale movie, a large movie, and an episode of the languages report (its show)', async () => {
		await page.goto('/reports/stale');
		const stale = page.getByTestId('report-row').first();
		const movie = (await stale.getByTestId('row-title').innerText()).split(' · ')[0]!.trim();
		await stale.getByRole('button', { name: /^Assign people…/ }).click();
		const sheet = sheetOf(page);
		await expect(sheet.getByRole('heading', { name: movie })).toBeVisible();
		// The form is open at once: the row's action is to assign.
		await choice(sheet, 'kid').check();
		await sheet.getByRole('button', { name: 'Assign 1 person' }).click();
		await expect(sheet.getByTestId('sheet-notice')).toHaveText(
			`Assigned to “${movie}”: 1 new assignment.`
		);
		await expect(sheet.getByTestId('assignment')).toHaveText(/kid/);
		// kid has not watched this stale movie: nothing is queued, and the sheet says why.
		await expect(sheet.getByTestId('people-status')).toContainText('Not watched');
		await expect(sheet.getByTestId('item-not-queued')).toHaveText(
			'Not queued: not everyone assigned has watched it since its file was added.'
		);
		await page.keyboard.press('Escape');

		await page.goto('/reports/large');
		await expect(
			page
				.getByTestId('report-row')
				.first()
				.getByRole('button', { name: /^Assign people…/ })
		).toBeVisible();

		// An episode row stands for its show: people are assigned to the show.
		await page.goto('/reports/languages?issue=untagged');
		const episode = page
			.getByTestId('report-row')
			.filter({ has: page.getByTestId('row-title').filter({ hasText: /S\d{2}E\d{2}/ }) })
			.first();
		const episodeTitle = await episode.getByTestId('row-title').innerText();
		await episode.getByRole('button', { name: /^Assign people…/ }).click();
		await expect(
			sheet.getByText('people are assigned to its show, which covers every episode')
		).toBeVisible();
		const showTitle = episodeTitle.split(/ S\d{2}E\d{2}/)[0]!.trim();
		await expect(sheet.getByRole('heading', { name: showTitle })).toBeVisible();
		await expect(sheet.getByText(/^Show · Home Server/)).toBeVisible();
		await page.keyboard.press('Escape');
	});

	test('two people assigned to a show: the episode both watched is queued with its due time; unknown never queues', async () => {
		test.setTimeout(150_000);
		// alice is on Plex and Jellyfin: one person.
		await page.goto('/people');
		await page.getByRole('button', { name: 'Link them: alice and alice' }).click();
		await expect(page.getByTestId('people-notice')).toContainText('Linked alice into alice');

		await page.goto('/assignments');
		await filterPlexShows(page);
		const first = page.getByTestId('library-row').first();
		const show = (await first.getByTestId('row-title').innerText()).split(' · ')[0]!.trim();
		await first.getByRole('button', { name: `Details of ${show} on Home Server` }).click();
		const sheet = sheetOf(page);
		await sheet.getByRole('button', { name: 'Assign people…' }).click();
		await choice(sheet, 'alice', /Plex and Jellyfin/).check();
		await choice(sheet, 'bob').check();
		await sheet.getByRole('button', { name: 'Assign 2 people' }).click();
		await expect(sheet.getByTestId('sheet-notice')).toHaveText(
			`Assigned to “${show}”: 2 new assignments.`
		);

		// Two episodes neither has watched yet: both will watch the first, only alice the second.
		const grid = sheet.getByTestId('watch-grid');
		await expect(grid).toBeVisible();
		const states = await grid.getByTestId('episode-row').evaluateAll((rows) =>
			rows.map((r) => ({
				label: (r as HTMLElement).dataset.label!,
				states: [...r.querySelectorAll('[data-state]')].map((c) => (c as HTMLElement).dataset.state)
			}))
		);
		const fresh = states.filter(
			(s) => s.states.length === 2 && s.states.every((x) => x === 'not_watched')
		);
		expect(fresh.length).toBeGreaterThanOrEqual(2);
		const [both, onlyAlice] = [fresh[0]!.label, fresh[1]!.label];
		const keys = await plexEpisodes(page.request, sim, show);
		await plexPlay(page.request, sim, keys.get(both)!, 'alice');
		await plexPlay(page.request, sim, keys.get(both)!, 'bob');
		await plexPlay(page.request, sim, keys.get(onlyAlice)!, 'alice');

		// A sync reads the plays; the schedule runs after it.
		await page.keyboard.press('Escape');
		await refreshLibraries(page);
		await page.getByRole('button', { name: `Details of ${show} on Home Server` }).click();
		const episode = (label: string) =>
			grid.getByTestId('episode-row').and(page.locator(`[data-label="${label}"]`));
		const queued = episode(both).getByTestId('episode-queue');
		await expect(async () => {
			await sheet.getByRole('button', { name: 'Reload' }).click();
			await expect(queued).toContainText('Queued', { timeout: 2_000 });
		}).toPass({ timeout: 40_000 });
		await expect(queued).toContainText(/Queued · due (in 24 hours|tomorrow)/);
		const due = Date.parse((await queued.locator('time').getAttribute('datetime'))!);
		expect(Math.abs(due - (Date.now() + 24 * 3600_000))).toBeLessThan(10 * 60_000);
		await expect(queued.getByRole('link')).toHaveAttribute('href', '/deletions');
		for (const name of ['alice', 'bob'])
			await expect(episode(both).locator(`[data-person="${name}"] [data-state]`)).toHaveAttribute(
				'data-state',
				'watched'
			);
		// Only alice watched the other one: not queued.
		await expect(episode(onlyAlice).locator('[data-person="alice"] [data-state]')).toHaveAttribute(
			'data-state',
			'watched'
		);
		await expect(episode(onlyAlice).locator('[data-person="bob"] [data-state]')).toHaveAttribute(
			'data-state',
			'not_watched'
		);
		await expect(episode(onlyAlice).getByTestId('episode-queue')).toHaveText('— Not queued');
		await expect(
			sheet.getByRole('link', { name: /1 item of it in the deletion queue/ })
		).toHaveAttribute('href', '/deletions');
		await page.screenshot({ path: 'test-results/assignments-queued.png', fullPage: true });

		// The owner's watch data cannot be trusted: assigned too, every answer of theirs is unknown,
		// with why, and the schedule takes the episode out of the queue.
		await sheet.getByRole('button', { name: 'Assign people…' }).click();
		await choice(sheet, 'owner').check();
		await sheet.getByRole('button', { name: 'Assign 1 person' }).click();
		await expect(sheet.getByTestId('sheet-notice')).toContainText('1 new assignment');
		await expect(episode(both).locator('[data-person="owner"] [data-state]')).toHaveAttribute(
			'data-state',
			'unknown'
		);
		await expect(sheet.getByTestId('unknown-notes')).toContainText(
			/owner: their history has a play dated \d{4}-\d{2}-\d{2}, in the future/
		);
		await expect(sheet.getByTestId('people-status').locator('[data-person="owner"]')).toContainText(
			'Unknown'
		);
		await expect(async () => {
			await sheet.getByRole('button', { name: 'Reload' }).click();
			await expect(episode(both).getByTestId('episode-queue')).toHaveText('— Not queued', {
				timeout: 2_000
			});
		}).toPass({ timeout: 40_000 });
		await page.screenshot({ path: 'test-results/assignments-unknown.png', fullPage: true });

		// The person page lists what they are assigned to, linking to the item's sheet.
		await page.keyboard.press('Escape');
		await page.goto('/people');
		const bob = page
			.getByTestId('person')
			.filter({ has: page.getByRole('heading', { level: 2, name: 'bob', exact: true }) })
			.filter({ hasText: 'Friend' });
		await bob.getByRole('button', { name: 'Assigned to 1 title' }).click();
		await bob.getByTestId('person-assignments').getByRole('link', { name: show }).click();
		await expect(sheetOf(page).getByRole('heading', { name: show })).toBeVisible();
	});
});
