import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { connectAndSyncDemo, openSyncPanel, refreshLibraries, syncIndicator } from './demo';
import { expectNoViolations, newPassword, signUp, uniqueEmail } from './helpers';
import {
	addFault,
	addJellyseerr,
	clearFaults,
	removeFault,
	setPace,
	signUpWithJellyseerr,
	simInfo,
	type SimInfo
} from './sim';

/**
 * Sync status vs. sync action: the top bar says where syncing stands without starting anything,
 * Refresh is a separate action that says why it cannot run, progress never goes back, and the
 * history says what started each run.
 */

const NOTHING = /nothing to sync yet: connect a Plex, Jellyfin or Jellyseerr server first/i;
// The indicator's name ends with when the next daily full sync runs.
const NEXT = '· next daily full sync (in \\d+ (minutes?|hours?|days)|tomorrow)';

test.afterEach(async ({ request }) => {
	for (const service of ['pms:home', 'jellyfin', 'jellyseerr']) await setPace(request, service, 0);
	await clearFaults(request);
});

async function addPlex(page: Page, sim: SimInfo) {
	const home = sim.pms.home!;
	await page.goto('/connections');
	await page.getByRole('button', { name: /^Plex by URL \+ token/ }).click();
	const plex = page.getByRole('dialog', { name: 'Add Plex by URL and token' });
	await plex.getByLabel('Server URL').fill(home.base_url);
	await plex.getByLabel('Plex token', { exact: true }).fill(home.owner_token);
	await plex.getByRole('button', { name: 'Connect Plex' }).click();
	await expect(plex).toBeHidden({ timeout: 15_000 });
	return home.name;
}

/**
 * A sync before its size is known and after: the panel's bar is indeterminate (a progress bar
 * without a value, "Measuring…") and the top bar says "Syncing…" without a figure; once a server is
 * measured, both show a percentage. At the test's own screen size (set up on a desktop-sized window:
 * the sign-up helper checks the sidebar).
 */
async function indeterminateThenPercent(page: Page, request: APIRequestContext, label: string) {
	const viewport = page.viewportSize()!;
	const sim = await simInfo(request);
	const indicator = syncIndicator(page);
	await page.setViewportSize({ width: 1280, height: 800 });
	await signUp(page);
	await addPlex(page, sim);
	await expect(indicator).toHaveAttribute('data-sync-state', 'complete', { timeout: 45_000 });
	await addJellyseerr(page, sim);
	await expect(indicator).toHaveAttribute('data-sync-state', 'complete', { timeout: 45_000 });
	await page.setViewportSize(viewport);

	// A Full refresh reads Plex, then Jellyseerr. Plex answers its listings slowly until this test
	// has seen the bar unmeasured (until every listing is counted, its size is unknown, and
	// Jellyseerr, waiting its turn, measures nothing); Jellyseerr then holds its requests for 6 s,
	// with Plex measured (a latency is not limited by `times`; a sync with no progress for 15 s stops).
	const slowListings = await addFault(request, {
		server: 'pms:home',
		route: '/library/sections/*/all',
		latency_ms: 1_500
	});
	await addFault(request, { server: 'jellyseerr', route: '/api/v1/request', latency_ms: 6_000 });
	const panel = await openSyncPanel(page);
	await panel.getByRole('button', { name: 'Full refresh' }).click();
	await expect(indicator).toHaveAttribute('data-sync-state', 'running', { timeout: 15_000 });
	const bar = panel.getByRole('progressbar', { name: 'Overall sync progress' });

	// Not measured yet: a bar without a value, and no figure anywhere.
	await expect(bar).toBeVisible();
	await expect(bar).not.toHaveAttribute('aria-valuenow', /.*/);
	await expect(panel.getByTestId('sync-percent')).toHaveText(/^Measuring… · [\d,]+ items$/);
	await expect(indicator).not.toHaveAttribute('data-percent', /.*/);
	await expect(indicator).toContainText('Syncing');
	await expect(indicator).not.toContainText('%');
	await page.screenshot({ path: `test-results/sync-progress-measuring-${label}.png` });
	await removeFault(request, slowListings);

	// Measured, still running: a figure on the bar, under it and in the top bar.
	await expect(panel.getByTestId('sync-percent')).toHaveText(/^\d+% · [\d,]+ items$/, {
		timeout: 30_000
	});
	await expect(indicator).toHaveAttribute('data-sync-state', 'running');
	await expect(bar).toHaveAttribute('aria-valuenow', /^\d+$/);
	await expect(indicator).toHaveAttribute('data-percent', /^\d+$/);
	await expect(indicator).toContainText(/\d+%/);
	await page.screenshot({ path: `test-results/sync-progress-percent-${label}.png` });
	await expect(indicator).toHaveAttribute('data-sync-state', 'complete', { timeout: 60_000 });
	await expect(bar).toHaveAttribute('aria-valuenow', '100');
}

test.describe('desktop', () => {
	test.use({ viewport: { width: 1280, height: 800 } });

	test('never synced, Refresh disabled with its reason; adding a server syncs and the history says so', async ({
		page,
		request
	}) => {
		test.setTimeout(120_000);
		const sim = await simInfo(request);
		await signUp(page);
		const indicator = syncIndicator(page);
		const refresh = page.getByTestId('sync-button');

		// Nothing connected: the status says so, and Refresh is disabled and says why.
		await expect(indicator).toHaveAttribute('data-sync-state', 'never');
		await expect(indicator).toHaveAccessibleName('Sync status: Never synced · nothing connected');
		await expect(refresh).toBeDisabled();
		await expect(refresh).toHaveAccessibleDescription(NOTHING);
		const panel = await openSyncPanel(page);
		await expect(panel.getByTestId('sync-blocked')).toContainText(NOTHING);
		await expect(panel.getByTestId('sync-blocked').getByRole('link')).toHaveText(
			'Connect a server'
		);
		await expect(panel.getByRole('button', { name: 'Refresh', exact: true })).toBeDisabled();
		await expect(panel.getByRole('button', { name: 'Full refresh' })).toBeDisabled();
		// What each kind of refresh does, on the panel itself.
		const explainer = panel.getByTestId('sync-explainer');
		await expect(explainer).toContainText('Refresh reads what changed on your servers');
		await expect(explainer).toContainText(
			'Full refresh reads every item again. It takes longer, and it is the only way to notice items removed from a server.'
		);
		await expect(panel.getByTestId('sync-next')).toHaveCount(0); // nothing is scheduled
		await page.screenshot({ path: 'test-results/sync-status-nothing.png' });
		await expectNoViolations(page, 'sync panel, nothing connected');
		await page.keyboard.press('Escape');

		// Adding a server starts its first read: the status follows it, then says when it finished.
		const server = await addPlex(page, sim);
		await expect(indicator).toHaveAttribute('data-sync-state', 'complete', { timeout: 45_000 });
		await expect(indicator).toHaveAccessibleName(
			new RegExp(`^Sync status: Synced (just now|\\d+ \\w+ ago) ${NEXT}$`)
		);
		await expect(refresh).toBeEnabled();
		await expect(refresh).not.toHaveAttribute('aria-describedby', /.+/);
		await expect(indicator).toHaveAttribute('title', /^Next daily full sync: (in|tomorrow)/);
		await openSyncPanel(page);
		await expect(panel.getByTestId('sync-status')).toHaveText('Done');
		await expect(panel).toContainText(`Started by: Adding ${server}`);
		await expect(panel.getByTestId('sync-subtitle')).toContainText(/^Finished (just now|.+ ago)/);
		await expect(panel.getByTestId('sync-next')).toContainText(
			/Next daily full sync: (in \d+ (minutes?|hours?|days)|tomorrow)$/
		);
		await expect(panel.getByTestId('sync-blocked')).toHaveCount(0);
		await expectNoViolations(page, 'sync panel, done');

		// The history names what started the run, and explains Refresh and Full refresh.
		await panel.getByRole('link', { name: 'Sync history' }).click();
		await expect(page).toHaveURL(/\/libraries\/history$/);
		const run = page.getByTestId('sync-run').first();
		await expect(run.getByTestId('run-status')).toHaveText('Done');
		await expect(run.getByTestId('run-trigger')).toHaveText(`Adding ${server}`);
		await expect(page.getByRole('columnheader', { name: 'Started by' })).toBeVisible();
		const kinds = page.getByTestId('sync-kinds');
		await expect(kinds.getByRole('heading', { name: 'Refresh or Full refresh?' })).toBeVisible();
		await expect(kinds).toContainText('the only way to notice items removed from a server');
		await page.screenshot({ path: 'test-results/sync-history.png', fullPage: true });
		await expectNoViolations(page, 'sync history');

		// A Full refresh from the panel is labelled as one.
		await refreshLibraries(page, { full: true });
		await expect(page.getByTestId('sync-run').first().getByTestId('run-trigger')).toHaveText(
			'Full refresh'
		);
	});

	test('a running sync shows a percentage that never goes back, servers in a stable order', async ({
		page,
		request
	}) => {
		test.setTimeout(180_000);
		const sim = await simInfo(request);
		await signUp(page);
		await connectAndSyncDemo(page, sim);
		const indicator = syncIndicator(page);

		// Every server answers slowly: a full read takes a while, long enough to watch it.
		for (const service of ['pms:home', 'jellyfin', 'jellyseerr'])
			await setPace(request, service, 120);
		const panel = await openSyncPanel(page);
		await panel.getByRole('button', { name: 'Full refresh' }).click();
		await expect(indicator).toHaveAttribute('data-sync-state', /queued|running/);

		// Read the top bar and the panel at the same instant, over and over, until the run is done.
		const percents: number[] = [];
		const orders = new Set<string>();
		for (let i = 0; i < 400; i++) {
			const now = await page.evaluate(() => {
				const indicator = document.querySelector('[data-testid="sync-indicator"]');
				const bar = document.querySelector(
					'[role="progressbar"][aria-label="Overall sync progress"]'
				);
				const names = [...document.querySelectorAll('[data-testid="sync-source-name"]')];
				return {
					state: indicator?.getAttribute('data-sync-state'),
					header: indicator?.getAttribute('data-percent') ?? null,
					panel: bar?.getAttribute('aria-valuenow') ?? null,
					servers: names.map((n) => n.textContent?.trim()).join(' / ')
				};
			});
			if (now.state === 'complete') break;
			if (now.header !== null) {
				percents.push(Number(now.header));
				expect(now.panel, "the panel shows the top bar's figure").toBe(now.header);
			}
			if (now.servers.split(' / ').length === 3) orders.add(now.servers);
			if (i === 10) await page.screenshot({ path: 'test-results/sync-status-running.png' });
			await page.waitForTimeout(150);
		}
		await expect(indicator).toHaveAttribute('data-sync-state', 'complete', { timeout: 60_000 });
		expect(percents.length, 'readings of a running sync').toBeGreaterThan(5);
		expect(percents, 'the percentage never goes back').toEqual([...percents].sort((a, b) => a - b));
		// It moves (how often the worker reports depends on the machine's load: at least once).
		expect(new Set(percents).size, 'it moves').toBeGreaterThan(1);
		expect(Math.max(...percents)).toBeLessThanOrEqual(99);
		// The servers never swap places.
		expect([...orders]).toHaveLength(1);
		await expect(panel.getByRole('progressbar', { name: 'Overall sync progress' })).toHaveAttribute(
			'aria-valuenow',
			'100'
		);
	});

	test('a sync whose size is not known yet shows an indeterminate bar, then a percentage', async ({
		page,
		request
	}) => {
		test.setTimeout(120_000);
		await indeterminateThenPercent(page, request, 'desktop');
	});

	test('during the first sync a report lists nothing and says why, never half-read libraries; then it fills in', async ({
		page,
		request
	}) => {
		test.setTimeout(150_000);
		const sim = await simInfo(request);
		await signUp(page);
		// The Plex server lists its libraries at once and holds its play history for 10 s: meanwhile the
		// items are stored, their plays are not (and the report figures are built at the end).
		await addFault(request, {
			server: 'pms:home',
			route: '/status/sessions/history/all',
			latency_ms: 10_000
		});
		await addPlex(page, sim);
		const indicator = syncIndicator(page);
		await expect(indicator).toHaveAttribute('data-sync-state', /queued|running/);
		await expect(indicator).toHaveAttribute('data-sync-state', 'running');
		await page.goto('/reports/large');
		const empty = page.getByTestId('report-empty');
		await expect(empty).toHaveAttribute('data-reason', 'syncing');
		await expect(empty).toContainText('The first sync is still running');
		await expect(empty).toContainText(
			'This report fills in as soon as your servers have been read.'
		);
		await expect(page.getByRole('table')).toHaveCount(0);
		await page.goto('/reports/stale');
		await expect(page.getByTestId('report-empty')).toHaveAttribute('data-reason', 'syncing');
		await expect(indicator).toHaveAttribute('data-sync-state', 'running');
		await expectNoViolations(page, 'a report during the first sync');

		await expect(indicator).toHaveAttribute('data-sync-state', 'complete', { timeout: 90_000 });
		await page.goto('/reports/large');
		await expect(page.getByTestId('report-empty')).toHaveCount(0);
		await expect(page.getByRole('table').getByRole('row').nth(1)).toBeVisible();
	});

	test('a sync that failed says so in the top bar, and why in the panel', async ({
		page,
		request
	}) => {
		test.setTimeout(120_000);
		const refresh = await signUpWithJellyseerr(page, request);
		// Jellyseerr now fails every request listing: its only server fails, so the run does.
		await addFault(request, { server: 'jellyseerr', route: '/api/v1/request', status: 500 });
		await refresh.click();
		const indicator = syncIndicator(page);
		await expect(indicator).toHaveAttribute('data-sync-state', 'failed', { timeout: 60_000 });
		// Why, in a few words: on screen beside it (there is room from 1280 px) and in its name.
		await expect(indicator).toHaveAccessibleName(/^Sync status: Sync failed · Jellyseerr: .*500/);
		const why = indicator.getByTestId('sync-why');
		await expect(why).toBeVisible();
		await expect(why).toHaveText(/^· Jellyseerr: .*500/);
		const box = (await indicator.boundingBox())!;
		expect(box.width, 'the reason is cut to fit the top bar').toBeLessThanOrEqual(288);
		// The page's place in the app stays on one line beside it.
		const crumb = page.getByRole('banner').getByText('Media Janitor', { exact: true });
		expect((await crumb.boundingBox())!.height).toBeLessThan(24);
		// The whole of it on hover too.
		await expect(indicator).toHaveAttribute('title', /Jellyseerr.*HTTP 500/);
		const panel = await openSyncPanel(page);
		await expect(panel.getByTestId('sync-status')).toHaveText('Failed');
		await expect(panel.getByTestId('sync-error')).toContainText(/Jellyseerr.*500|500.*Jellyseerr/i);
		await expect(panel).toContainText('Started by: Refresh');
		await page.screenshot({ path: 'test-results/sync-status-failed.png' });
		await expectNoViolations(page, 'sync panel, failed');
	});
});

test.describe('phone', () => {
	test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });

	test('the indicator fits the phone top bar, and so does the panel', async ({ page, request }) => {
		test.setTimeout(90_000);
		const sim = await simInfo(request);
		await page.goto('/signup');
		await page.getByLabel('Email').fill(uniqueEmail());
		await page.getByLabel('Password', { exact: true }).fill(newPassword());
		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

		const indicator = syncIndicator(page);
		const refresh = page.getByTestId('sync-button');
		const fits = async (label: string) => {
			const header = page.getByRole('banner');
			const box = (await header.boundingBox())!;
			for (const el of [indicator, refresh, page.getByRole('button', { name: /^Account menu/ })]) {
				const b = (await el.boundingBox())!;
				expect(b.x, `${label}: inside the top bar`).toBeGreaterThanOrEqual(box.x);
				expect(b.x + b.width, `${label}: inside the top bar`).toBeLessThanOrEqual(
					box.x + box.width
				);
				expect(b.y + b.height).toBeLessThanOrEqual(box.y + box.height);
			}
			const overflow = await header.evaluate((h) => h.scrollWidth - h.clientWidth);
			expect(overflow, `${label}: the top bar does not scroll sideways`).toBeLessThanOrEqual(0);
		};

		await expect(indicator).toHaveAccessibleName('Sync status: Not connected');
		await expect(refresh).toBeDisabled();
		await fits('nothing connected');
		const panel = await openSyncPanel(page);
		const panelBox = (await panel.boundingBox())!;
		expect(panelBox.x).toBeGreaterThanOrEqual(0);
		expect(panelBox.x + panelBox.width).toBeLessThanOrEqual(390);
		await expect(panel.getByTestId('sync-blocked')).toBeVisible();
		await expect(panel.getByTestId('sync-explainer')).toBeVisible();
		await page.screenshot({ path: 'test-results/sync-status-phone-panel.png' });
		await expectNoViolations(page, 'sync panel on a phone');
		await page.keyboard.press('Escape');

		await page.goto('/connections');
		await addJellyseerr(page, sim);
		await expect(indicator).toHaveAttribute('data-sync-state', 'complete', { timeout: 30_000 });
		await expect(indicator).toHaveAccessibleName(
			new RegExp(`^Sync status: (just now|\\d+[mhd] ago) ${NEXT}$`)
		);
		await fits('synced');
		await page.screenshot({ path: 'test-results/sync-status-phone.png' });
	});

	test('on a phone too, an indeterminate bar, then a percentage', async ({ page, request }) => {
		test.setTimeout(120_000);
		await indeterminateThenPercent(page, request, 'phone');
	});
});
