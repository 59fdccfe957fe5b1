import { writeFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';

/** Chromium encodes WebP itself (a canvas): no image tool needed. */
export async function toWebp(page: Page, png: Buffer, quality: number): Promise<Buffer> {
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
		{ data: png.toString('base64'), quality }
	);
	await scratch.close();
	return Buffer.from(b64, 'base64');
}

/**
 * Capture the page's viewport as WebP at `path`, refusing a picture over `limit` bytes (the
 * pictures are committed: they must stay small).
 */
export async function saveWebp(page: Page, path: string, quality: number, limit: number) {
	await page.mouse.move(0, 0);
	const webp = await toWebp(page, await page.screenshot({ type: 'png' }), quality);
	expect(webp.subarray(8, 12).toString('ascii')).toBe('WEBP');
	expect(webp.length).toBeLessThanOrEqual(limit);
	writeFileSync(path, webp);
	console.log(`${path.split('/').pop()}: ${(webp.length / 1024).toFixed(1)} KB`);
}
