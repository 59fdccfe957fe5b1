import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { signUp } from './helpers';

/** The media-server simulator devstack starts (see playwright.config.ts). */
export const SIM_URL = process.env.E2E_SIM_URL ?? 'http://127.0.0.1:8766';

export interface SimInfo {
	plextv: {
		base_url: string;
		owner: { token: string };
		users: { title: string; id: number; home: boolean; friend: boolean }[];
	};
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

/** Add a fault; returns its id (for `removeFault`). */
export async function addFault(
	request: APIRequestContext,
	fault: Record<string, unknown>
): Promise<number> {
	const res = await request.post(`${SIM_URL}/_admin/faults`, { data: fault });
	expect(res.status()).toBe(201);
	return ((await res.json()) as { id: number }).id;
}

/** Remove one fault, leaving the others. */
export async function removeFault(request: APIRequestContext, id: number) {
	const res = await request.delete(`${SIM_URL}/_admin/faults/${id}`);
	expect(res.ok()).toBe(true);
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
 * that connecting started has finished (the top bar's Refresh is enabled again). Returns that
 * Refresh button.
 */
export async function signUpWithJellyseerr(page: Page, request: APIRequestContext) {
	const sim = await simInfo(request);
	await signUp(page);
	await page.goto('/connections');
	await addJellyseerr(page, sim);
	const refresh = page.getByTestId('sync-button');
	await expect(page.getByTestId('sync-indicator')).toHaveAttribute('data-sync-state', 'complete', {
		timeout: 30_000
	});
	await expect(refresh).toBeEnabled();
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

/** Put the simulator's demo world back as it started (a spec that recorded plays leaves no trace). */
export async function resetSim(request: APIRequestContext) {
	const res = await request.post(`${SIM_URL}/_admin/reset`);
	expect(res.ok()).toBe(true);
}

/** A plex.tv account of the simulated household (`alice`, `bob`, `kid`…) or the owner (`owner`). */
export function plexAccountId(sim: SimInfo, name: string): number {
	if (name === 'owner') return 1;
	const user = sim.plextv.users.find((u) => u.title === name);
	expect(user, `no plex.tv user ${name}`).toBeTruthy();
	return user!.id;
}

/** Someone watches an item to the end on the simulated Plex server, now (a history row, as Plex writes). */
export async function plexPlay(
	request: APIRequestContext,
	sim: SimInfo,
	ratingKey: string,
	who: string
) {
	const res = await request.post(`${SIM_URL}/_admin/pms/home/play`, {
		data: { ratingKey: Number(ratingKey), accountID: plexAccountId(sim, who) }
	});
	expect(res.ok()).toBe(true);
}

/** A show's episodes on the simulated Plex server, read like any client would: "S01E02" → ratingKey. */
export async function plexEpisodes(
	request: APIRequestContext,
	sim: SimInfo,
	showTitle: string
): Promise<Map<string, string>> {
	const home = sim.pms.home!;
	const headers = { 'X-Plex-Token': home.owner_token, Accept: 'application/json' };
	type Meta = { ratingKey: string; title: string; index?: number; parentIndex?: number };
	const get = async (path: string) => {
		const res = await request.get(`${home.base_url}${path}`, { headers });
		expect(res.ok()).toBe(true);
		return (await res.json()) as {
			MediaContainer: { Metadata?: Meta[]; Directory?: { key: string; type: string }[] };
		};
	};
	const sections = (await get('/library/sections')).MediaContainer.Directory ?? [];
	for (const section of sections.filter((s) => s.type === 'show')) {
		const shows = (await get(`/library/sections/${section.key}/all`)).MediaContainer.Metadata ?? [];
		const show = shows.find((s) => s.title === showTitle);
		if (!show) continue;
		const leaves =
			(await get(`/library/metadata/${show.ratingKey}/allLeaves`)).MediaContainer.Metadata ?? [];
		const pad = (n: number | undefined) => String(n ?? 0).padStart(2, '0');
		return new Map(leaves.map((e) => [`S${pad(e.parentIndex)}E${pad(e.index)}`, e.ratingKey]));
	}
	throw new Error(`no show ${showTitle} on the simulated Plex server`);
}
