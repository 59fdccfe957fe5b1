import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { connectAndSyncDemo } from '../tests/demo';
import { signUp } from '../tests/helpers';
import { simInfo } from '../tests/sim';

const OUT = fileURLToPath(new URL('../../frontend/static/landing/', import.meta.url));
// The landing page shows it at most ~700 px wide: a 1280×800 capture at quality 0.8 stays sharp
// and well under 200 KB.
const SIZE = { width: 1280, height: 800 };
const QUALITY = 0.8;
const LIMIT = 200 * 1024;

/** Chromium encodes WebP itself (a canvas): no image tool needed. */
async function toWebp(page: Page, png: Buffer): Promise<Buffer> {
	const scratch = await page.context().newPage();
	const b64 = await scratch.evaluate(
		async ({ data, quality }) => {
			const img = new Image();
			img.src = `data:image/png;base64,${data}`;
			await img.decode();
			const canvas = document.createElement('canvas');
			canvas.width = img.naturalWidth;
			canvas.height = img.naturalHeight;
			canvas.getContext('2d')!.drawImage(img, 0, 0);
			const blob = await new Promise<Blob>((resolve, reject) =>
				canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('no WebP'))), 'image/webp', quality)
			);
			const bytes = new Uint8Array(await blob.arrayBuffer());
			let s = '';
			for (const byte of bytes) s += String.fromCharCode(byte);
			return btoa(s);
		},
		{ data: png.toString('base64'), quality: QUALITY }
	);
	await scratch.close();
	return Buffer.from(b64, 'base64');
}

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
		const webp = await toWebp(page, await page.screenshot({ type: 'png' }));
		expect(webp.subarray(8, 12).toString('ascii')).toBe('WEBP');
		expect(webp.length).toBeLessThanOrEqual(LIMIT);
		writeFileSync(`${OUT}dashboard-${scheme}.webp`, webp);
		console.log(`dashboard-${scheme}.webp: ${(webp.length / 1024).toFixed(1)} KB`);
	}
});
