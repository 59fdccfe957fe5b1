import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { connectAndSyncDemo } from '../tests/demo';
import { signUp } from '../tests/helpers';
import { simInfo } from '../tests/sim';
import { saveWebp } from './webp';

const OUT = fileURLToPath(new URL('../../frontend/static/landing/', import.meta.url));
// The landing page shows it at most ~700 px wide: a 1280×800 capture at quality 0.8 stays sharp
// and well under 200 KB.
const SIZE = { width: 1280, height: 800 };
const QUALITY = 0.8;
const LIMIT = 200 * 1024;

test('the dashboard of the demo world, light and dark', async ({ page, request }) => {
	test.setTimeout(180_000);
	await page.setViewportSize(SIZE);
	await signUp(page, 'owner@example.com');
	await connectAndSyncDemo(page, await simInfo(request));
	// The picture is of the figures, not of the checklist a new account sees above them.
	await page.goto('/setup');
	await page.getByRole('button', { name: 'Dismiss checklist' }).click();
	await expect(page.getByTestId('setup-dismissed')).toBeVisible();

	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
		await page.goto('/dashboard');
		await expect(page.getByTestId('report-card')).toHaveCount(6, { timeout: 15_000 });
		await expect(page.getByTestId('storage-chart').locator('svg').first()).toBeVisible({
			timeout: 15_000
		});
		await expect(page.getByTestId('ages-chart').locator('svg').first()).toBeVisible();
		await page.mouse.move(0, 0);
		await page.waitForTimeout(800); // chart transitions
		await saveWebp(page, `${OUT}dashboard-${scheme}.webp`, QUALITY, LIMIT);
	}
});
