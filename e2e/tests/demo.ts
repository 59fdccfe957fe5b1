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

	// The languages the demo world's planted language cases are about (no language is required
	// before the owner chooses).
	await chooseLanguages(page, { audio: 'en, fr', subtitles: 'fr' });
	// Back where it began: callers go on from the Connections page.
	await page.goto('/connections');

	// Each connect started a sync (deduplicated); once idle, one more reads all three to the end.
	await refreshLibraries(page);
}

/** The top bar's sync indicator (where syncing stands; it opens the sync panel). */
export function syncIndicator(page: Page) {
	return page.getByTestId('sync-indicator');
}

/** Open the sync panel from the top bar's indicator (or take it, already open). */
export async function openSyncPanel(page: Page) {
	const panel = page.getByRole('dialog', { name: 'Library sync' });
	if (!(await panel.isVisible())) await syncIndicator(page).click();
	await expect(panel).toBeVisible();
	return panel;
}

/**
 * Once no sync is running (the top bar's Refresh is enabled), refresh from the sync panel and wait
 * until that run, not the one before it, is Done, as a person would. The panel is closed after,
 * unless `keepOpen` (then it is returned).
 */
export async function refreshLibraries(page: Page, { full = false, keepOpen = false } = {}) {
	await expect(page.getByTestId('sync-button')).toBeEnabled({ timeout: 45_000 });
	const panel = await openSyncPanel(page);
	const status = panel.getByTestId('sync-status');
	const runId = () => status.getAttribute('data-run-id', { timeout: 500 }).catch(() => null);
	const before = await runId();
	await panel.getByRole('button', { name: full ? 'Full refresh' : 'Refresh', exact: true }).click();
	await expect.poll(runId).not.toBe(before);
	await expect(status).toHaveText('Done', { timeout: 45_000 });
	if (keepOpen) return panel;
	await page.keyboard.press('Escape');
	await expect(panel).toBeHidden();
	return panel;
}

/** Choose the required languages on the setup checklist, as a new owner would. */
export async function chooseLanguages(
	page: Page,
	{ audio, subtitles }: { audio: string; subtitles: string }
) {
	await page.goto('/setup#languages');
	const form = page.getByRole('form', { name: 'Languages' });
	await form.getByLabel('Audio languages').fill(audio);
	await form.getByLabel('Subtitle languages').fill(subtitles);
	await form.getByRole('button', { name: 'Save languages' }).click();
	await expect(form.getByTestId('languages-saved')).toBeVisible();
}
