import { expect, test } from '@playwright/test';
import { clearFaults, setPace, signUpWithJellyseerr } from './sim';

test.afterEach(async ({ request }) => {
	await setPace(request, 'jellyseerr', 0);
	await clearFaults(request);
});

test('a running sync survives a reload and can be cancelled', async ({ page, request }) => {
	// Connecting started a first sync; it has finished.
	const refresh = await signUpWithJellyseerr(page, request);

	// Make the next sync slow, start it, and reload while it runs.
	await setPace(request, 'jellyseerr', 4000);
	await refresh.click();
	const panel = page.getByRole('dialog', { name: 'Sync progress' });
	await expect(panel.getByTestId('sync-status')).toHaveText(/Queued|Running/);
	await expect(panel.getByText('Syncing your servers')).toBeVisible();
	await page.reload();

	// After the reload the shell attaches to the run still in progress.
	await expect(refresh).toHaveAccessibleName(/^Syncing/);
	await expect(page.locator('header [aria-label="Sync progress"]')).toBeAttached();
	await refresh.click();
	await expect(panel.getByTestId('sync-status')).toHaveText('Running');
	await expect(panel.getByTestId('sync-source')).toHaveCount(1);
	await page.screenshot({ path: 'test-results/sync-running.png' });

	await panel.getByRole('button', { name: 'Cancel sync' }).click();
	await expect(panel.getByTestId('sync-status')).toHaveText('Cancelled', { timeout: 15_000 });
	await expect(refresh).toHaveAccessibleName('Refresh libraries');

	// The history lists it as cancelled.
	await panel.getByRole('link', { name: 'Sync history' }).click();
	await expect(page.getByTestId('sync-run').first().getByTestId('run-status')).toHaveText(
		'Cancelled'
	);
});
