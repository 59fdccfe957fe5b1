import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { connectAndSyncDemo } from './demo';
import { signUp } from './helpers';
import { SIM_URL, simInfo } from './sim';

export interface Row {
	connection_id: string;
	upstream_id: string;
	title: string;
	year: number | null;
	size_bytes: number | null;
	server: string;
	/** movie or show (the stale report); a show is queued as its episodes. */
	kind?: string;
}

/** A new account with the demo world connected and synced; its bearer headers for API look-ups. */
export async function demoAccount(page: Page, email?: string) {
	const signedUp = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/signup'));
	await signUp(page, email);
	const token = ((await (await signedUp).json()) as { access_token: string }).access_token;
	const headers = { Authorization: `Bearer ${token}` };
	await connectAndSyncDemo(page, await simInfo(page.request));
	return headers;
}

/** The first rows of a report, as the API lists them (to know what the page shows). */
export async function reportRows(
	page: Page,
	headers: Record<string, string>,
	report: 'large' | 'stale' | 'languages',
	n: number
): Promise<Row[]> {
	const res = await page.request.get(`/api/v1/reports/${report}`, {
		headers,
		params: { page_size: 50 }
	});
	expect(res.ok()).toBe(true);
	const items = ((await res.json()) as { items: Row[] }).items.filter(
		(r) => !r.kind || r.kind === 'movie'
	);
	// Titles the page shows once only, so a label finds exactly one row.
	const unique = items.filter((r) => items.filter((o) => o.title === r.title).length === 1);
	expect(unique.length).toBeGreaterThanOrEqual(n);
	return unique.slice(0, n);
}

/** How the deletion queue names a movie: "Title (year)". */
export const queuedTitle = (row: Row) => (row.year ? `${row.title} (${row.year})` : row.title);

/** Tick rows of a report page and queue them for deletion through its dialog. */
export async function queueFromReport(page: Page, report: string, rows: Row[]) {
	await page.goto(`/reports/${report}?size=200`);
	await selectRows(page, rows);
	await page.getByTestId('bulk-bar').getByRole('button', { name: 'Queue for deletion…' }).click();
	const dialog = page.getByRole('dialog');
	await expect(
		dialog.getByRole('list', { name: 'Items to queue' }).getByRole('listitem')
	).toHaveCount(rows.length);
	await dialog.getByRole('button', { name: 'Queue for deletion' }).click();
	await expect(dialog).toBeHidden();
	await expect(page.getByTestId('report-notice')).toContainText(
		`Queued ${rows.length === 1 ? '1 item' : `${rows.length} items`} for deletion, due`
	);
}

/**
 * Tick report rows. A sync the worker starts on its own (the account's daily run) reloads the rows
 * when it ends, which clears the ticks: tick again until they hold.
 */
export async function selectRows(page: Page, rows: Row[]) {
	await expect(async () => {
		for (const row of rows) {
			await page.getByRole('checkbox', { name: `Select ${row.title}`, exact: true }).check();
		}
		await expect(page.getByTestId('bulk-bar')).toContainText(`${rows.length} selected`, {
			timeout: 1000
		});
	}).toPass({ timeout: 30_000 });
}

/** A row of the deletion queue, by its title. */
export function queueRow(page: Page, title: string) {
	return page.getByTestId('queue-row').filter({
		has: page.getByTestId('row-title').getByText(title, { exact: true })
	});
}

/** A row of the deletion history, by its title. */
export function historyRow(page: Page, title: string) {
	return page.getByTestId('history-row').filter({
		has: page.getByTestId('row-title').getByText(title, { exact: true })
	});
}

/** Put the simulator's world back as it started (what deletions and vanishes changed). */
export async function resetSim(request: APIRequestContext) {
	const res = await request.post(`${SIM_URL}/_admin/reset`);
	expect(res.ok()).toBe(true);
}

/** Whether the simulated Plex server lets its owner delete media (Settings → Library). */
export async function allowMediaDeletion(request: APIRequestContext, allow: boolean) {
	const res = await request.put(`${SIM_URL}/_admin/pms/home/settings`, {
		data: { allow_media_deletion: allow }
	});
	expect(res.ok()).toBe(true);
}
