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
	test.setTimeout(120_000);
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
	await expect(dialog.getByTestId('form-error')).toContainText('full folder path');

	await dialog.getByLabel('Folder as Jellyfin sees it (line 1)').fill('/media/');
	await dialog.getByRole('button', { name: 'Save mappings' }).click();
	await expect(dialog.getByRole('status')).toHaveText(/Saved/);
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
