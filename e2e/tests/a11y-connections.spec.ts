import { expect, test } from '@playwright/test';
import { expectNoViolations, signUp } from './helpers';
import { refreshLibraries } from './demo';
import { addJellyseerr, simInfo } from './sim';

for (const scheme of ['light', 'dark'] as const) {
	test(`connections, libraries and sync have no WCAG A/AA violations (${scheme})`, async ({
		page,
		request
	}) => {
		await page.emulateMedia({ colorScheme: scheme });
		const sim = await simInfo(request);
		await signUp(page);

		await page.goto('/connections');
		await expect(page.getByRole('heading', { name: 'Connect your first server' })).toBeVisible();
		await expectNoViolations(page, 'connections (empty)');
		await page.goto('/libraries');
		await expect(page.getByText('No media server connected yet')).toBeVisible();
		await expectNoViolations(page, 'libraries (empty)');

		await page.goto('/connections');
		await page.getByRole('button', { name: /^Jellyfin/ }).click();
		const jf = page.getByRole('dialog', { name: 'Add Jellyfin' });
		await jf.getByRole('button', { name: 'Find users' }).click();
		await expect(jf.getByText('Enter the server address.')).toBeVisible();
		await expectNoViolations(page, 'jellyfin dialog (errors)');
		await jf.getByLabel('Server URL').fill(sim.jellyfin.base_url);
		await jf.getByLabel('API key', { exact: true }).fill(sim.jellyfin.api_key);
		await jf.getByRole('button', { name: 'Find users' }).click();
		await expect(jf.getByRole('group', { name: 'Act as user' })).toBeVisible();
		await expectNoViolations(page, 'jellyfin dialog (users)');
		await jf.getByRole('button', { name: 'Connect Jellyfin' }).click();
		await expect(jf).toBeHidden();
		await addJellyseerr(page, sim);

		const refresh = page.getByTestId('sync-button');
		await expect(refresh).toBeEnabled({ timeout: 20_000 });
		await expectNoViolations(page, 'connections (list)');
		await refreshLibraries(page, { keepOpen: true });
		await expectNoViolations(page, 'sync popover');
		if (scheme === 'dark') await page.screenshot({ path: 'test-results/sync-dark.png' });
		await page.keyboard.press('Escape');

		await page.goto('/libraries');
		await expect(page.getByTestId('library-group')).toHaveCount(1);
		await expectNoViolations(page, 'libraries');
		if (scheme === 'dark')
			await page.screenshot({ path: 'test-results/libraries-dark.png', fullPage: true });
		await page.goto('/libraries/history');
		await page
			.getByTestId('sync-run')
			.first()
			.getByRole('button', { name: /Show details/ })
			.click();
		await expectNoViolations(page, 'sync history');
	});
}
