import { expect, type Page } from '@playwright/test';
import { addJellyseerr, type SimInfo } from './sim';

/**
 * Connect the simulator's Plex (by URL + token), Jellyfin and Jellyseerr through the Connections
 * page, then run one sync to the end, so every report has the demo world's planted cases.
 */
export async function connectAndSyncDemo(page: Page, sim: SimInfo) {
	const home = sim.pms.home!;
	await page.goto('/connections');

	await page.getByRole('button', { name: /^Plex by URL \+ token/ }).click();
	const plex = page.getByRole('dialog', { name: 'Add Plex by URL and token' });
	await plex.getByLabel('Server URL').fill(home.base_url);
	await plex.getByLabel('Plex token', { exact: true }).fill(home.owner_token);
	await plex.getByRole('button', { name: 'Connect Plex' }).click();
	await expect(plex).toBeHidden({ timeout: 15_000 });

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
	await expect(page.getByTestId('connection')).toHaveCount(3);

	// Each connect started a sync (deduplicated); once idle, one more reads all three to the end.
	await refreshLibraries(page);
}

/** Once no sync is running, run one to the end from the sync button, as a person would. */
export async function refreshLibraries(page: Page) {
	const refresh = page.getByTestId('sync-button');
	await expect(refresh).toHaveAccessibleName('Refresh libraries', { timeout: 30_000 });
	await refresh.click();
	const panel = page.getByRole('dialog', { name: 'Sync progress' });
	await expect(panel.getByTestId('sync-status')).toHaveText('Done', { timeout: 45_000 });
	await page.keyboard.press('Escape');
	await expect(panel).toBeHidden();
}
