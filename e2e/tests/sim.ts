import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { signUp } from './helpers';

/** The media-server simulator devstack starts (see playwright.config.ts). */
export const SIM_URL = process.env.E2E_SIM_URL ?? 'http://127.0.0.1:8766';

export interface SimInfo {
	plextv: { base_url: string; owner: { token: string } };
	pms: Record<string, { base_url: string; name: string; owner_token: string }>;
	jellyfin: {
		base_url: string;
		api_key: string;
		users: { name: string; id: string; admin: boolean; can_delete: boolean }[];
	};
	jellyseerr: { base_url: string; api_key: string };
}

export async function simInfo(request: APIRequestContext): Promise<SimInfo> {
	const res = await request.get(`${SIM_URL}/_admin`);
	expect(res.ok()).toBe(true);
	return (await res.json()) as SimInfo;
}

export async function addFault(request: APIRequestContext, fault: Record<string, unknown>) {
	const res = await request.post(`${SIM_URL}/_admin/faults`, { data: fault });
	expect(res.status()).toBe(201);
}

export async function clearFaults(request: APIRequestContext) {
	await request.delete(`${SIM_URL}/_admin/faults`);
}

/** Approve a plex.tv PIN as if the person signed in on plex.tv. */
export async function approvePin(request: APIRequestContext, pinId: number) {
	const res = await request.post(`${SIM_URL}/_admin/plextv/pins/approve`, { data: { id: pinId } });
	expect(res.ok()).toBe(true);
}

/** The connected-servers list item for `name`. */
export function connectionRow(page: Page, name: string) {
	return page.getByRole('list', { name: 'Connected servers' }).getByRole('listitem', { name });
}

/** Add Jellyseerr through its form on /connections. */
export async function addJellyseerr(page: Page, sim: SimInfo) {
	await page.getByRole('button', { name: /^Jellyseerr/ }).click();
	const dialog = page.getByRole('dialog', { name: 'Add Jellyseerr' });
	await dialog.getByLabel('Server URL').fill(sim.jellyseerr.base_url);
	await dialog.getByLabel('API key', { exact: true }).fill(sim.jellyseerr.api_key);
	await dialog.getByRole('button', { name: 'Connect Jellyseerr' }).click();
	await expect(dialog).toBeHidden();
}

/**
 * A new account with Jellyseerr connected (through its form on /connections), once the first sync
 * that connecting started has finished. Returns the Refresh button.
 */
export async function signUpWithJellyseerr(page: Page, request: APIRequestContext) {
	const sim = await simInfo(request);
	await signUp(page);
	await page.goto('/connections');
	await addJellyseerr(page, sim);
	const refresh = page.getByTestId('sync-button');
	await expect(refresh).toHaveAccessibleName('Refresh libraries', { timeout: 30_000 });
	return refresh;
}

/** Slow a simulated service down (every request waits `paceMs`); 0 restores full speed. */
export async function setPace(request: APIRequestContext, service: string, paceMs: number) {
	const res = await request.post(`${SIM_URL}/_admin/servers/${service}/pace`, {
		data: { pace_ms: paceMs }
	});
	expect(res.ok()).toBe(true);
}

/** Where the simulated Jellyfin sees the files it shares with Plex (null: the same paths). */
export async function setJellyfinMount(
	request: APIRequestContext,
	mount: { from: string; to: string } | null
) {
	const res = await request.put(`${SIM_URL}/_admin/jellyfin/settings`, { data: { mount } });
	expect(res.ok()).toBe(true);
}
