import { expect, test, type Page } from '@playwright/test';
import { demoAccount, resetSim } from './deletions';
import { expectNoViolations } from './helpers';
import { SIM_URL } from './sim';

/**
 * Most of a Plex library vanishes at once (a lost disk or mount, not deletions): the full sync holds
 * it back and the server's deletions freeze. The Deletions page says so and why, and the owner
 * answers: "gone" (the next full sync counts them missing, and the freeze lifts), or "still there"
 * (a full sync reads the server again now).
 */

// The vanish changes the shared simulator: put its world back for the specs that follow.
test.afterEach(async ({ request }) => {
	await resetSim(request);
});

/** Most of the Plex server's Movies library (section 1) disappears without a DELETE. */
async function vanishMovies(page: Page) {
	const res = await page.request.post(`${SIM_URL}/_admin/items/vanish`, {
		data: { service: 'pms:home', section: 1, fraction: 0.8 }
	});
	expect(res.ok()).toBe(true);
	expect(((await res.json()) as { vanished: number }).vanished).toBeGreaterThan(5);
}

/** The account's latest sync runs, newest first. */
async function runs(page: Page, headers: Record<string, string>) {
	const res = await page.request.get('/api/v1/sync/runs', { headers });
	return (await res.json()) as { id: string; status: string }[];
}

const ended = (status: string | undefined) =>
	/^(complete|partial|failed|cancelled)$/.test(status ?? '');

/**
 * A full sync (the only kind that notices items gone), run to its end. A sync already running (the
 * worker starts the account's daily one on its own) is waited for first: a new one is then started.
 */
async function fullSync(page: Page, headers: Record<string, string>) {
	let id = '';
	await expect(async () => {
		const started = await page.request.post('/api/v1/sync/runs', {
			headers,
			params: { full: true }
		});
		const run = (await started.json()) as { id: string };
		if (started.status() === 200) {
			// Another run is going: wait for its end, then try again.
			await expect
				.poll(async () => ended((await runs(page, headers)).find((r) => r.id === run.id)?.status), {
					timeout: 60_000
				})
				.toBe(true);
		}
		expect(started.status()).toBe(202);
		id = run.id;
	}).toPass({ timeout: 120_000 });
	await expect
		.poll(async () => ended((await runs(page, headers)).find((r) => r.id === id)?.status), {
			timeout: 60_000
		})
		.toBe(true);
}

const banner = (page: Page) => page.getByRole('alert', { name: 'Home Server is frozen' });

test('a mass vanish freezes deletions; the owner confirms it, or dismisses it', async ({
	page
}) => {
	test.setTimeout(240_000);
	const headers = await demoAccount(page);
	await page.goto('/deletions');
	await expect(page.getByTestId('freeze-banner')).toHaveCount(0);

	await vanishMovies(page);
	await fullSync(page, headers);
	await page.goto('/deletions');
	await expect(banner(page)).toContainText('Deletions on Home Server are frozen');
	await expect(banner(page)).toContainText(/Movies: \d+ of \d+ items vanished at once/);
	await expect(banner(page)).toContainText('found missing by the full sync of');
	await expect(page.getByTestId('freeze-banner')).toHaveCount(1); // Jellyfin still reads everything
	await expectNoViolations(page, 'freeze banner');
	await page.screenshot({ path: 'test-results/deletions-frozen.png', fullPage: true });

	// The dashboard says deletions are on hold there.
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Dashboard' })
		.click();
	await expect(page.getByTestId('deletions-card').getByTestId('deletions-held')).toContainText(
		'Home Server is frozen'
	);

	// "Yes, they are gone": recorded; the freeze stays until a full sync reads the server.
	await page.goto('/deletions');
	await banner(page).getByRole('button', { name: 'Yes, they are gone' }).click();
	await expect(page.getByTestId('mode-notice')).toContainText(
		'the items that vanished from Home Server are gone'
	);
	await expect(banner(page).getByTestId('freeze-answer')).toContainText(
		'You confirmed the items are gone'
	);
	await expect(banner(page).getByRole('button', { name: 'Yes, they are gone' })).toHaveCount(0);
	await fullSync(page, headers);
	await page.reload();
	await expect(page.getByRole('heading', { level: 1, name: 'Deletions' })).toBeVisible();
	await expect(page.getByTestId('freeze-banner')).toHaveCount(0);

	// Again, and this time the server only answered wrongly: the files come back.
	await vanishMovies(page);
	await fullSync(page, headers);
	await page.reload();
	await expect(banner(page)).toBeVisible();
	await resetSim(page.request);
	await banner(page).getByRole('button', { name: 'No, they are still there' }).click();
	await expect(page.getByTestId('mode-notice')).toContainText('A full sync reads it again now');
	// The full sync the dismissal started reads everything again: the freeze lifts.
	await expect
		.poll(
			async () => {
				const servers = (await (
					await page.request.get('/api/v1/deletions/servers', { headers })
				).json()) as { name: string; frozen: boolean }[];
				return servers.find((s) => s.name === 'Home Server')?.frozen;
			},
			{ timeout: 60_000 }
		)
		.toBe(false);
	await page.reload();
	await expect(page.getByRole('heading', { level: 1, name: 'Deletions' })).toBeVisible();
	await expect(page.getByTestId('freeze-banner')).toHaveCount(0);

	// Both answers are in the audit log.
	await page.goto('/deletions/audit?event=vanish_confirmed');
	await expect(page.getByTestId('audit-event')).toHaveCount(1);
	await expect(page.getByTestId('audit-event')).toContainText('Server Home Server');
	await page.goto('/deletions/audit?event=vanish_dismissed');
	await expect(page.getByTestId('audit-event')).toHaveCount(1);
});
