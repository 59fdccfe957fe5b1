import { expect, test } from '@playwright/test';
import { signUp } from './helpers';
import { refreshLibraries } from './demo';
import { addFault, addJellyseerr, approvePin, clearFaults, connectionRow, simInfo } from './sim';

test.afterEach(async ({ request }) => {
	await clearFaults(request);
});

test('connect Plex (sign in), Jellyfin and Jellyseerr, sync, see libraries and history', async ({
	page,
	request
}) => {
	test.setTimeout(90_000);
	const sim = await simInfo(request);
	await signUp(page);

	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Connections' })
		.click();
	await expect(page.getByRole('heading', { name: 'Connect your first server' })).toBeVisible();
	await page.screenshot({ path: 'test-results/connections-empty.png', fullPage: true });

	// --- Sign in with Plex: PIN → approve on (simulated) plex.tv → pick the server.
	await page.getByRole('button', { name: /^Sign in with Plex/ }).click();
	const plex = page.getByRole('dialog', { name: 'Sign in with Plex' });
	const pinResponse = page.waitForResponse(
		(r) => r.url().endsWith('/api/v1/connections/plex/pins') && r.request().method() === 'POST'
	);
	const popup = page.waitForEvent('popup');
	await plex.getByRole('button', { name: 'Sign in with Plex' }).click();
	const pin = (await (await pinResponse).json()) as { pin_id: number; code: string };
	await expect(plex.getByText('Waiting for you to sign in on plex.tv')).toBeVisible();
	await expect(plex.getByText(pin.code)).toBeVisible();
	await popup; // plex.tv's sign-in page opened in a new tab
	await approvePin(request, pin.pin_id);

	const home = sim.pms.home!;
	const servers = plex.getByRole('list', { name: 'Plex servers' });
	await expect(servers.getByText(home.name, { exact: true })).toBeVisible({ timeout: 10_000 });
	await expect(servers.getByRole('list', { name: `${home.name} addresses` })).toContainText(
		/local|remote|relay/
	);
	await page.screenshot({ path: 'test-results/plex-servers.png' });
	await plex.getByRole('button', { name: `Connect ${home.name}` }).click();
	await expect(plex).toBeHidden({ timeout: 15_000 });
	await expect(connectionRow(page, home.name).getByTestId('connection-status')).toHaveText(
		'Connected'
	);

	// --- Jellyfin: probe → choose the acting user (users who cannot delete are flagged).
	await page.getByRole('button', { name: /^Jellyfin/ }).click();
	const jf = page.getByRole('dialog', { name: 'Add Jellyfin' });
	await jf.getByLabel('Server URL').fill(sim.jellyfin.base_url);
	await jf.getByLabel('API key', { exact: true }).fill(sim.jellyfin.api_key);
	await jf.getByRole('button', { name: 'Find users' }).click();
	const users = jf.getByRole('group', { name: 'Act as user' });
	await expect(users.getByRole('radio')).toHaveCount(sim.jellyfin.users.length);
	const cannot = sim.jellyfin.users.filter((u) => !u.can_delete);
	if (cannot.length) await expect(users.getByText('Cannot delete')).toHaveCount(cannot.length);
	const actor = sim.jellyfin.users.find((u) => u.admin && u.can_delete)!;
	await users.getByRole('radio', { name: new RegExp(`^${actor.name}\\b`) }).check();
	await page.screenshot({ path: 'test-results/jellyfin-users.png' });
	await jf.getByRole('button', { name: 'Connect Jellyfin' }).click();
	await expect(jf).toBeHidden();
	const jfRow = page.getByTestId('connection').filter({ hasText: 'Jellyfin' });
	await expect(jfRow).toContainText(`as ${actor.name}`);

	// --- Jellyseerr.
	await addJellyseerr(page, sim);
	await expect(page.getByTestId('connection')).toHaveCount(3);

	// --- Refresh: every connect started a sync; wait for it, then refresh and watch it finish.
	const refresh = page.getByTestId('sync-button');
	await expect(refresh).toBeEnabled({ timeout: 30_000 });
	await page.keyboard.press('Escape');
	await page.screenshot({ path: 'test-results/connections.png', fullPage: true });
	const panel = await refreshLibraries(page, { keepOpen: true });
	await expect(panel.getByRole('progressbar', { name: 'Overall sync progress' })).toHaveAttribute(
		'aria-valuenow',
		'100'
	);
	await expect(panel.getByTestId('sync-source')).toHaveCount(3);
	await page.screenshot({ path: 'test-results/sync-done.png' });

	// --- Libraries, grouped per server, with item counts.
	await page.keyboard.press('Escape');
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Libraries' })
		.click();
	await expect(page.getByTestId('library-group')).toHaveCount(2);
	const homeLibraries = page.getByRole('table', { name: `${home.name} libraries` });
	await expect(homeLibraries.getByTestId('library-row').first()).toBeVisible();
	// Item counts: a number once the API fills `item_count` (it is null today: see the report).
	await expect(homeLibraries.getByTestId('library-count').first()).toHaveText(/^(—|[\d,]+)$/);
	await page.screenshot({ path: 'test-results/libraries.png', fullPage: true });

	// Turn one library off (an accessible switch), and it stays off after a reload.
	const toggle = homeLibraries.getByRole('switch').first();
	// Named with its server: two servers may both have a "Movies".
	await expect(toggle).toHaveAccessibleName(new RegExp(`^Sync .+ on ${home.name}$`));
	await expect(toggle).toHaveAttribute('aria-checked', 'true');
	await toggle.click();
	await expect(toggle).toHaveAttribute('aria-checked', 'false');
	await page.reload();
	await expect(
		page
			.getByRole('table', { name: `${home.name} libraries` })
			.getByRole('switch')
			.first()
	).toHaveAttribute('aria-checked', 'false');

	// --- History: the runs, newest first, with per-source details.
	await page.getByRole('link', { name: 'Sync history' }).click();
	await expect(page).toHaveURL(/\/libraries\/history$/);
	const runs = page.getByTestId('sync-run');
	await expect(runs.first().getByTestId('run-status')).toHaveText('Done');
	const items = await runs.last().getByTestId('run-items').innerText();
	expect(Number(items.replace(/,/g, ''))).toBeGreaterThan(0);
	await runs
		.first()
		.getByRole('button', { name: /Show details/ })
		.click();
	await expect(page.getByTestId('sync-source')).toHaveCount(3);
	await page.screenshot({ path: 'test-results/sync-history.png', fullPage: true });
});

test('a failing server shows its error after Test', async ({ page, request }) => {
	const sim = await simInfo(request);
	await signUp(page);
	await page.goto('/connections');
	await addJellyseerr(page, sim);
	const row = page.getByTestId('connection');
	await expect(row.getByTestId('connection-status')).toHaveText('Connected');

	await addFault(request, { server: 'jellyseerr', status: 401 });
	await row.getByRole('button', { name: /^Test / }).click();
	await expect(row.getByTestId('connection-status')).toHaveText('Error');
	await expect(row.getByTestId('connection-error')).toBeVisible();
	await expect(row.getByTestId('connection-error')).not.toBeEmpty();
	await page.screenshot({ path: 'test-results/connection-error.png', fullPage: true });
	await page.setViewportSize({ width: 390, height: 844 });
	await expect(row.getByTestId('connection-error')).toBeVisible();
	await page.screenshot({ path: 'test-results/connections-mobile.png', fullPage: true });
	await page.setViewportSize({ width: 1280, height: 720 });

	await clearFaults(request);
	await row.getByRole('button', { name: /^Test / }).click();
	await expect(row.getByTestId('connection-status')).toHaveText('Connected');
	await expect(row.getByTestId('connection-error')).toHaveCount(0);

	// Rename it.
	await row.getByRole('button', { name: /^More actions for / }).click();
	await page.getByRole('menuitem', { name: 'Edit…' }).click();
	const edit = page.getByRole('dialog', { name: /^Edit / });
	await edit.getByLabel('Display name').fill('Requests');
	await edit.getByRole('button', { name: 'Save changes' }).click();
	await expect(edit).toBeHidden();
	await expect(row.getByRole('heading', { name: 'Requests' })).toBeVisible();

	// Remove it: the confirmation says what goes away.
	await row.getByRole('button', { name: /^More actions for / }).click();
	await page.getByRole('menuitem', { name: 'Remove…' }).click();
	const confirm = page.getByRole('dialog', { name: /^Remove / });
	await expect(confirm).toContainText('everything synced from this server');
	await confirm.getByRole('button', { name: 'Remove server' }).click();
	await expect(page.getByRole('heading', { name: 'Connect your first server' })).toBeVisible();
});

test('cancel Plex sign-in; Plex by URL + token with a wrong token shows the API message', async ({
	page,
	request
}) => {
	const sim = await simInfo(request);
	await signUp(page);
	await page.goto('/connections');
	// A Plex sign-in can be cancelled while waiting for plex.tv.
	await page.getByRole('button', { name: /^Sign in with Plex/ }).click();
	const signin = page.getByRole('dialog', { name: 'Sign in with Plex' });
	const popup = page.waitForEvent('popup');
	await signin.getByRole('button', { name: 'Sign in with Plex' }).click();
	await expect(signin.getByText('Waiting for you to sign in on plex.tv')).toBeVisible();
	await popup;
	await signin.getByRole('button', { name: 'Cancel sign-in' }).click();
	await expect(signin.getByText('Sign-in cancelled.')).toBeVisible();
	await signin.getByRole('button', { name: 'Close', exact: true }).first().click();
	await expect(signin).toBeHidden();

	await page.getByRole('button', { name: /^Plex by URL \+ token/ }).click();
	const dialog = page.getByRole('dialog', { name: 'Add Plex by URL and token' });

	// Client-side checks first.
	await dialog.getByRole('button', { name: 'Connect Plex' }).click();
	await expect(dialog.getByText('Enter the server address.')).toBeVisible();
	await expect(dialog.getByText('Enter the Plex token.')).toBeVisible();

	const errorResponse = page.waitForResponse((r) =>
		r.url().endsWith('/api/v1/connections/plex/manual')
	);
	await dialog.getByLabel('Server URL').fill(sim.pms.home!.base_url);
	await dialog.getByLabel('Plex token', { exact: true }).fill('not-the-right-token');
	await dialog.getByRole('button', { name: 'Connect Plex' }).click();
	const res = await errorResponse;
	expect(res.status()).toBe(400);
	const body = (await res.json()) as { error: string; detail: string };
	expect(body.error).toBe('connection_auth_failed');
	await expect(dialog.getByTestId('form-error')).toHaveText(body.detail);
	await page.screenshot({ path: 'test-results/plex-token-error.png' });
});
