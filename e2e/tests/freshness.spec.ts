import { expect, test } from '@playwright/test';
import { expectNoViolations } from './helpers';
import { addFault, clearFaults, signUpWithJellyseerr } from './sim';

test.afterEach(async ({ request }) => {
	await clearFaults(request);
});

/**
 * A real failure, not a stubbed response: Jellyseerr stops answering mid-sync, the worker's stall
 * watchdog (15 s in the e2e stack, see playwright.config.ts) fails the run before it rebuilt the
 * report figures, and the dashboard and the reports say their figures may be out of date until a
 * refresh rebuilds them.
 */
test('figures a stuck sync left stale are flagged until a refresh rebuilds them', async ({
	page,
	request
}) => {
	test.setTimeout(240_000);
	// Connecting started a first sync; the figures it rebuilt are current.
	const refresh = await signUpWithJellyseerr(page, request);
	await page.goto('/reports/requests');
	await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
	await expect(page.getByTestId('freshness-banner')).toHaveCount(0);

	// Jellyseerr now holds every request listing without answering: the next sync makes no progress.
	await addFault(request, {
		server: 'jellyseerr',
		route: '/api/v1/request',
		timeout: true,
		timeout_s: 300
	});
	await refresh.click();
	const indicator = page.getByTestId('sync-indicator');
	await expect(indicator).toHaveAttribute('data-sync-state', /queued|running/);
	// The watchdog runs every minute and fails a run silent for 15 s.
	await expect(indicator).toHaveAttribute('data-sync-state', 'failed', { timeout: 150_000 });
	await expect(refresh).toBeEnabled();

	await page.goto('/dashboard');
	const banner = page.getByTestId('freshness-banner');
	await expect(banner).toContainText('These figures may be out of date');
	await expect(banner).toContainText('The sync stopped before the report figures were rebuilt.');
	await expect(banner).toContainText('They show your servers as they were on');
	await page.screenshot({ path: 'test-results/freshness-dashboard.png' });
	await expectNoViolations(page, 'dashboard with stale figures');

	await page.goto('/reports/requests');
	await expect(banner).toContainText('The sync stopped before the report figures were rebuilt.');

	// The sync history says why the run failed.
	await page.goto('/libraries/history');
	const run = page.getByTestId('sync-run').first();
	await expect(run.getByTestId('run-status')).toHaveText('Failed');
	await expect(run).toContainText('No progress for 0.25 minutes');

	// Jellyseerr answers again: the banner's refresh rebuilds the figures and the warning goes.
	await clearFaults(request);
	await page.goto('/reports/requests');
	await banner.getByRole('button', { name: 'Refresh now' }).click();
	await expect(banner).toHaveCount(0, { timeout: 60_000 });
	await page.goto('/dashboard');
	await expect(page.getByTestId('report-card').first()).toBeVisible();
	await expect(page.getByTestId('freshness-banner')).toHaveCount(0);
});
