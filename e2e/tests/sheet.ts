import { expect, type Locator, type Page } from '@playwright/test';

/**
 * Open the item sheet of the first show on the simulated Plex server (from the Assignments page).
 * With `assignFirst`, assign the first person listed, so the sheet shows its episode grid.
 */
export async function openShowSheet(page: Page, { assignFirst = false } = {}): Promise<Locator> {
	await page.goto('/assignments?kind=show');
	await page
		.getByRole('button', { name: /^Details of .* on Home Server$/ })
		.first()
		.click();
	const sheet = page.getByTestId('item-sheet');
	await sheet.getByRole('button', { name: 'Assign people…' }).click();
	await expect(sheet.getByTestId('assign-form')).toBeVisible();
	if (assignFirst) {
		await sheet.getByTestId('people-choices').getByRole('checkbox').first().check();
		await sheet.getByRole('button', { name: 'Assign 1 person' }).click();
		await expect(sheet.getByTestId('watch-grid')).toBeVisible();
	}
	return sheet;
}
