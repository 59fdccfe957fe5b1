import { expect, test } from '@playwright/test';
import { connectAndSyncDemo } from './demo';
import { signUp } from './helpers';
import { connectionRow, setJellyfinMount, simInfo } from './sim';

test.afterEach(async ({ request }) => {
	await setJellyfinMount(request, null);
});

test('map Jellyfin’s folders onto Plex’s: the servers share their files by path', async ({
	page,
	request
}) => {
	test.setTimeout(180_000);
	// Jellyfin runs in another container: it sees under /media what Plex sees under /data.
	await setJellyfinMount(request, { from: '/data', to: '/media' });
	const sim = await simInfo(request);
	await signUp(page);
	await connectAndSyncDemo(page, sim);

	const jellyfin = connectionRow(page, 'Jellyfin');
	await jellyfin.getByRole('button', { name: /^More actions for/ }).click();
	await page.getByRole('menuitem', { name: 'Shared files…' }).click();
	const dialog = page.getByRole('dialog', { name: 'Files shared with your other servers' });
	const summary = dialog.getByTestId('shared-summary');
	// Before any mapping the paths differ: the files are recognised by size, duration and title.
	await expect(summary).toContainText('in common with');
	await expect(summary).toContainText('(by size, duration and title)');
	await expect(dialog.getByText(/^\/media\//).first()).toBeVisible();

	await dialog.getByRole('button', { name: 'Add a mapping' }).click();
	await dialog.getByLabel('Folder as Jellyfin sees it (line 1)').fill('media');
	await dialog.getByLabel('Same folder on your other servers (line 1)').fill('/data');
	await dialog.getByRole('button', { name: 'Save mappings' }).click();
	// The schema's folder pattern, with the server's words, under the folder; nothing is sent.
	await expect(dialog.getByText('Must be a full folder path', { exact: false })).toBeVisible();
	await expect(dialog.getByLabel('Folder as Jellyfin sees it (line 1)')).toHaveAttribute(
		'aria-invalid',
		'true'
	);
	await expect(dialog.getByTestId('form-error')).toHaveCount(0);

	// Spaces around a folder are not part of it: the form sends /media/, saved as /media.
	await dialog.getByLabel('Folder as Jellyfin sees it (line 1)').fill(' /media/ ');
	await dialog.getByRole('button', { name: 'Save mappings' }).click();
	// Saving recomputes the shared files at once (after a rebuild the last sync may still be making).
	await expect(dialog.getByRole('status')).toHaveText(/Saved/, { timeout: 20_000 });
	await expect(summary).toContainText('(all by path)');
	await expect(dialog.getByLabel('Folder as Jellyfin sees it (line 1)')).toHaveValue('/media');
	await page.screenshot({ path: 'test-results/shared-files.png' });

	// Kept: opening the dialog again shows the saved mapping.
	await page.keyboard.press('Escape');
	await jellyfin.getByRole('button', { name: /^More actions for/ }).click();
	await page.getByRole('menuitem', { name: 'Shared files…' }).click();
	await expect(dialog.getByLabel('Same folder on your other servers (line 1)')).toHaveValue(
		'/data'
	);
	await expect(summary).toContainText('(all by path)');
});

test('a file Plex and Jellyfin both hold is one report row, with a link to each server', async ({
	page,
	request
}) => {
	test.setTimeout(180_000);
	await setJellyfinMount(request, { from: '/data', to: '/media' });
	const sim = await simInfo(request);
	await signUp(page);
	await connectAndSyncDemo(page, sim);

	await page.goto('/reports/large?sort=size&order=desc');
	const rows = page.getByTestId('report-row');
	await expect(rows.first()).toBeVisible();
	const first = rows.first();
	const copies = first.getByRole('list', { name: 'On your other servers' });
	await expect(copies.getByRole('link', { name: /^Same file on Jellyfin/ })).toHaveAttribute(
		'href',
		new RegExp(`^${sim.jellyfin.base_url}`)
	);
	await expect(first.getByTestId('row-why')).toContainText(
		'the same file is on Jellyfin (counted once)'
	);
	// Each title once: the table lists no title twice.
	const titles = await page.getByTestId('row-title').allTextContents();
	expect(new Set(titles).size).toBe(titles.length);
	await page.screenshot({ path: 'test-results/one-file-one-row.png', fullPage: true });

	// The dashboard counts each file once and says so under the storage chart.
	await page.goto('/dashboard');
	await expect(page.getByTestId('storage-shared')).toContainText(
		'Files held by more than one server are counted once'
	);
});
