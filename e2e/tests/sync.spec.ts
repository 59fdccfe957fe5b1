import { expect, test } from '@playwright/test';
import { openSyncPanel, syncIndicator } from './demo';
import { clearFaults, setPace, signUpWithJellyseerr } from './sim';

test.afterEach(async ({ request }) => {
	await setPace(request, 'jellyseerr', 0);
	await clearFaults(request);
});

test('a running sync survives a reload and can be cancelled', async ({ page, request }) => {
	// Connecting started a first sync; it has finished.
	const refresh = await signUpWithJellyseerr(page, request);

	// Make the next sync slow, start it, and reload while it runs.
	// Its one listing request now takes 9 s (under the 15 s the e2e stall watchdog allows).
	await setPace(request, 'jellyseerr', 9000);
	await refresh.click();
	const indicator = syncIndicator(page);
	await expect(indicator).toHaveAttribute('data-sync-state', /queued|running/);
	await expect(refresh).toBeDisabled();
	const panel = await openSyncPanel(page);
	await expect(panel.getByTestId('sync-status')).toHaveText(/Queued|Running/);
	await expect(panel.getByText('Syncing your servers')).toBeVisible();
	await page.reload();

	// After the reload the shell attaches to the run still in progress.
	await expect(indicator).toHaveAttribute('data-sync-state', 'running');
	await expect(indicator).toContainText(/Syncing/);
	await expect(page.locator('header [aria-label="Sync progress"]')).toBeAttached();
	await openSyncPanel(page);
	await expect(panel.getByTestId('sync-status')).toHaveText('Running');
	await expect(panel.getByTestId('sync-source')).toHaveCount(1);
	await page.screenshot({ path: 'test-results/sync-running.png' });

	await panel.getByRole('button', { name: 'Cancel sync' }).click();
	await expect(panel.getByTestId('sync-status')).toHaveText('Cancelled', { timeout: 15_000 });
	await expect(indicator).toHaveAttribute('data-sync-state', 'cancelled');
	await expect(refresh).toBeEnabled();

	// The history lists it as cancelled.
	await panel.getByRole('link', { name: 'Sync history' }).click();
	await expect(page.getByTestId('sync-run').first().getByTestId('run-status')).toHaveText(
		'Cancelled'
	);
});
