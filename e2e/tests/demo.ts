import { expect, type Page } from '@playwright/test';
import { addJellyseerr, type SimInfo } from './sim';

/**
 * Connect the simulated Jellyfin (acting as an admin who can delete) and Jellyseerr on
 * /connections, and wait for the sync that connecting starts to finish.
 */
export async function connectDemoServers(page: Page, sim: SimInfo) {
	await page.goto('/connections');
	await page.getByRole('button', { name: /^Jellyfin/ }).click();
	const jf = page.getByRole('dialog', { name: 'Add Jellyfin' });
	await jf.getByLabel('Server URL').fill(sim.jellyfin.base_url);
	await jf.getByLabel('API key', { exact: true }).fill(sim.jellyfin.api_key);
	await jf.getByRole('button', { name: 'Find users' }).click();
	const actor = sim.jellyfin.users.find((u) => u.admin && u.can_delete)!;
	await jf
		.getByRole('group', { name: 'Act as user' })
		.getByRole('radio', { name: new RegExp(`^${actor.name}\\b`) })
		.check();
	await jf.getByRole('button', { name: 'Connect Jellyfin' }).click();
	await expect(jf).toBeHidden();
	await addJellyseerr(page, sim);
	await expect(page.getByTestId('connection')).toHaveCount(2);
	// Each connect started (or joined) a sync: run one more and wait until it is done, so
	// both servers are read whatever the timing of the first.
	const refresh = page.getByTestId('sync-button');
	await expect(refresh).toHaveAccessibleName('Refresh libraries', { timeout: 30_000 });
	await refresh.click();
	const panel = page.getByRole('dialog', { name: 'Sync progress' });
	await expect(panel.getByTestId('sync-status')).toHaveText('Done', { timeout: 30_000 });
	await page.keyboard.press('Escape');
}
