import { expect, test, type Page } from '@playwright/test';
import { demoAccount, resetSim } from './deletions';
import { expectNoViolations } from './helpers';

/**
 * Bulk actions on "all N matching this filter": after ticking every row of the page, the bar offers
 * every row the filter matches, on every page; the action reaches rows of the other pages too, the
 * dialog says how many, the limit is said before anything is sent, and a new filter drops the
 * selection.
 */

test.afterEach(async ({ request }) => {
	await resetSim(request);
});

type Headers = Record<string, string>;
interface Row {
	connection_id: string;
	upstream_id: string;
	title: string;
}

async function languages(page: Page, headers: Headers, params: Record<string, string | number>) {
	// In the page's order (by title), so "page 2" is the page's own.
	const res = await page.request.get('/api/v1/reports/languages', {
		headers,
		params: { sort: 'title', order: 'asc', ...params }
	});
	expect(res.ok()).toBe(true);
	return (await res.json()) as { items: Row[]; total: number };
}

const n = (k: number) => (k === 1 ? '1 item' : `${k.toLocaleString('en')} items`);

/**
 * Tick every row of the page, then "all matching". A sync the worker starts on its own reloads the
 * rows when it ends, which clears the selection: do it again until it holds.
 */
async function selectAllMatching(page: Page, total: number, onPage: number) {
	const bar = page.getByTestId('bulk-bar');
	await expect(async () => {
		await page.getByRole('checkbox', { name: 'Select every row on this page' }).check();
		await expect(bar).toContainText(`${onPage} selected`, { timeout: 1000 });
		const offer = page.getByTestId('select-matching');
		await expect(offer).toContainText(`All ${n(onPage)} on this page are selected.`, {
			timeout: 1000
		});
		await offer
			.getByRole('button', { name: `Select all ${n(total)} matching this filter` })
			.click();
		await expect(bar).toContainText(`All ${n(total)} matching this filter are selected.`, {
			timeout: 1000
		});
	}).toPass({ timeout: 30_000 });
}

test('queue every row matching a filter, across pages; the limit is said; a new filter drops the selection', async ({
	page
}) => {
	test.setTimeout(240_000);
	const headers = await demoAccount(page);
	const audio = await languages(page, headers, { issue: 'audio', page_size: 25 });
	const secondPage = await languages(page, headers, { issue: 'audio', page_size: 25, page: 2 });
	expect(audio.total, 'more than one page, within the limit of 100').toBeGreaterThan(25);
	expect(audio.total).toBeLessThanOrEqual(100);
	const every = await languages(page, headers, { page_size: 25 });
	expect(every.total, 'the report has more rows than can be queued at once').toBeGreaterThan(100);

	await page.goto('/reports/languages?issue=audio&size=25');
	await expect(page.getByTestId('report-row')).toHaveCount(25);
	await selectAllMatching(page, audio.total, 25);
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await expectNoViolations(page, `all matching selected (${scheme})`);
	}
	await page.emulateMedia({ colorScheme: 'light' });

	// "Clear selection" undoes it; unticking a row leaves "all matching" too.
	await page
		.getByTestId('select-matching')
		.getByRole('button', { name: 'Clear selection' })
		.click();
	await expect(page.getByTestId('bulk-count')).toHaveText(
		'Select rows to add them to an allowlist or queue them for deletion.'
	);
	await selectAllMatching(page, audio.total, 25);
	await page.getByTestId('report-row').first().getByRole('checkbox').uncheck();
	await expect(page.getByTestId('bulk-count')).toHaveText('24 selected');
	await expect(page.getByTestId('select-matching')).toBeHidden();

	// A new filter drops the selection.
	await selectAllMatching(page, audio.total, 25);
	await page.getByRole('combobox', { name: 'Issue' }).selectOption('all');
	await expect(page).toHaveURL(/\/reports\/languages\?size=25$/);
	await expect(page.getByTestId('bulk-count')).toHaveText(
		'Select rows to add them to an allowlist or queue them for deletion.'
	);

	// Every row of the report is more than can be queued at once: the dialog says so and sends nothing.
	await selectAllMatching(page, every.total, 25);
	await page.getByTestId('bulk-bar').getByRole('button', { name: 'Queue for deletion…' }).click();
	let dialog = page.getByRole('dialog', { name: `Queue ${n(every.total)} for deletion?` });
	await expect(dialog).toContainText(
		`${n(every.total)} match this filter; at most 100 can be queued at once.`
	);
	await expect(dialog.getByRole('button', { name: 'Queue for deletion' })).toBeDisabled();
	await dialog.getByRole('button', { name: 'Cancel' }).click();

	// Missing audio, every page: all queued, the rows of page 2 too.
	await page.goto('/reports/languages?issue=audio&size=25');
	await selectAllMatching(page, audio.total, 25);
	await page.getByTestId('bulk-bar').getByRole('button', { name: 'Queue for deletion…' }).click();
	dialog = page.getByRole('dialog', { name: `Queue ${n(audio.total)} for deletion?` });
	await expect(dialog.getByTestId('matching-count')).toContainText(
		`Every row of this report matching the filter, on every page: ${n(audio.total)}.`
	);
	await expectNoViolations(page, 'queue all matching dialog');
	await dialog.getByRole('button', { name: 'Queue for deletion' }).click();
	await expect(dialog).toBeHidden();
	await expect(page.getByTestId('report-notice')).toContainText(
		`Queued ${n(audio.total)} for deletion, due`
	);
	const queue = await page.request.get('/api/v1/deletions/queue', {
		headers,
		params: { page_size: 500 }
	});
	const queued = (await queue.json()) as { total: number; items: { upstream_id: string }[] };
	expect(queued.total).toBe(audio.total);
	const ids = queued.items.map((r) => r.upstream_id);
	for (const row of secondPage.items) expect(ids).toContain(row.upstream_id);
	await page.goto('/deletions');
	await expect(page.getByTestId('queue-row').first()).toBeVisible();
});

// Signed up on a desktop (the sign-up helper checks the desktop navigation), then a 390 px phone.
test.describe('on a phone', () => {
	test('add every row matching a filter to an allowlist: the rows of every page leave the report', async ({
		page
	}) => {
		test.setTimeout(240_000);
		const headers = await demoAccount(page);
		await page.setViewportSize({ width: 390, height: 844 });
		const subtitles = await languages(page, headers, { issue: 'subtitles', page_size: 25 });
		const secondPage = await languages(page, headers, {
			issue: 'subtitles',
			page_size: 25,
			page: 2
		});
		expect(subtitles.total, 'more than one page').toBeGreaterThan(25);

		await page.goto('/reports/languages?issue=subtitles&size=25');
		await selectAllMatching(page, subtitles.total, 25);
		const offer = page.getByTestId('select-matching');
		const box = await offer.boundingBox();
		expect(box!.x + box!.width, 'the bar fits the phone’s width').toBeLessThanOrEqual(390);
		await expectNoViolations(page, 'all matching selected on a phone');

		await page.getByTestId('bulk-bar').getByRole('button', { name: 'Add to allowlist…' }).click();
		const dialog = page.getByRole('dialog', {
			name: `Add ${n(subtitles.total)} to an allowlist`
		});
		await expect(dialog.getByTestId('matching-count')).toContainText(
			`Every row matching this filter, on every page: ${n(subtitles.total)}.`
		);
		await dialog.getByLabel('List').selectOption({ label: 'Language exempt' });
		await dialog.getByRole('button', { name: 'Add to Language exempt' }).click();
		await expect(dialog).toBeHidden();
		// Two rows of one title (the same external id) are one entry: the second is already listed.
		const notice = page.getByTestId('report-notice');
		await expect(notice).toContainText(/Added \d+ items? to Language exempt\./);
		const words = (await notice.textContent()) ?? '';
		const added = Number(/Added (\d+)/.exec(words)![1]);
		const already = Number(/(\d+) (?:was|were) already listed/.exec(words)?.[1] ?? 0);
		expect(added + already).toBe(subtitles.total);
		await expect(notice).toContainText('They leave this report.');

		// Every row of the filter left the report, those of page 2 too.
		await expect(page.getByTestId('report-row')).toHaveCount(0);
		const after = await languages(page, headers, { issue: 'subtitles', page_size: 200 });
		expect(after.total).toBe(0);
		expect(secondPage.items.length).toBeGreaterThan(0);
		const entries = (await (
			await page.request.get('/api/v1/allowlists', { headers, params: { list: 'language_exempt' } })
		).json()) as unknown[];
		expect(entries).toHaveLength(added);
	});
});
