import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { signUp } from './helpers';

async function expectNoViolations(page: Page, label: string) {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
	const summary = results.violations.map(
		(v) =>
			`${label}: ${v.id} (${v.impact}) ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`
	);
	expect(summary, summary.join('\n')).toEqual([]);
}

for (const scheme of ['light', 'dark'] as const) {
	test(`no WCAG A/AA violations (${scheme})`, async ({ page }) => {
		await page.emulateMedia({ colorScheme: scheme });

		await page.goto('/login');
		await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
		await expectNoViolations(page, 'login');

		await page.goto('/signup');
		await page.getByLabel('Password', { exact: true }).fill('short');
		await expectNoViolations(page, 'signup');

		await signUp(page);
		await expect(page.getByText('System status')).toBeVisible();
		await expectNoViolations(page, 'dashboard');

		await page.getByRole('link', { name: 'Settings' }).click();
		await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
		await expectNoViolations(page, 'settings');

		await page.getByRole('button', { name: 'Delete account…' }).click();
		await expect(page.getByRole('dialog')).toBeVisible();
		await expectNoViolations(page, 'delete dialog');
	});
}
