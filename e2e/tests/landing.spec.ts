import { expect, test, type Page } from '@playwright/test';
import { expectFitsWidth, expectNoViolations, signUp } from './helpers';

/**
 * Signed out, `/` says what the product does, with a picture of the dashboard, next to Log in and
 * Create account; the login and sign-up pages carry the same pitch beside their forms. Under the
 * strict CSP, without axe violations in either theme, and without sideways scroll on a phone.
 */

function watchForViolations(page: Page): string[] {
	const problems: string[] = [];
	page.on('console', (msg) => {
		if (/Content Security Policy|Refused to|csp-violation/i.test(msg.text()))
			problems.push(`console: ${msg.text()}`);
	});
	page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
	void page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			console.error(`csp-violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
		});
	});
	return problems;
}

/** The dashboard picture is there, loaded (a real image, not a broken link), and small. */
async function expectProductShot(page: Page) {
	const shot = page.getByTestId('product-shot').first();
	await shot.scrollIntoViewIfNeeded();
	await expect(shot).toBeVisible();
	await expect(shot).toHaveAttribute('alt', /^The Media Janitor dashboard/);
	await expect
		.poll(() => shot.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
		.toBeGreaterThan(0);
	const src = await shot.evaluate((img: HTMLImageElement) => img.currentSrc);
	const res = await page.request.get(src);
	expect(res.ok()).toBe(true);
	expect(res.headers()['content-type']).toMatch(/^image\/(webp|png)/);
	expect((await res.body()).length).toBeLessThanOrEqual(200 * 1024);
}

for (const viewport of [
	{ name: 'desktop', width: 1280, height: 800 },
	{ name: 'phone', width: 390, height: 844 }
] as const) {
	test(`signed out, / says what the product does next to log in and sign up (${viewport.name})`, async ({
		page
	}) => {
		await page.setViewportSize({ width: viewport.width, height: viewport.height });
		const problems = watchForViolations(page);
		const res = await page.goto('/');
		expect(res!.headers()['content-security-policy']).toMatch(/script-src 'self'/);
		await expect(page).toHaveURL(/\/$/);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText(
			'Clean up your media servers without losing what matters'
		);
		await expect(page.getByRole('heading', { name: 'What it does' })).toBeVisible();
		await expect(page.getByText('Duplicates, exactly')).toBeVisible();
		await expectProductShot(page);
		const account = page.getByRole('navigation', { name: 'Account' });
		await expect(account.getByRole('link', { name: 'Log in' })).toBeVisible();
		await expect(page.getByRole('link', { name: 'Create an account' }).first()).toBeVisible();
		await expectFitsWidth(page, `landing (${viewport.name})`);
		for (const scheme of ['light', 'dark'] as const) {
			await page.emulateMedia({ colorScheme: scheme });
			await expectNoViolations(page, `landing (${viewport.name}, ${scheme})`);
			await page.screenshot({
				path: `test-results/landing-${viewport.name}-${scheme}.png`,
				fullPage: true
			});
		}
		await page.waitForLoadState('networkidle');
		expect(problems).toEqual([]);

		// Create an account from the landing page.
		await page.getByRole('link', { name: 'Create an account' }).first().click();
		await expect(page).toHaveURL(/\/signup$/);
		await expect(
			page.getByRole('heading', { level: 1, name: 'Create your account' })
		).toBeVisible();
	});

	test(`the login and sign-up pages carry the pitch beside the form (${viewport.name})`, async ({
		page
	}) => {
		await page.setViewportSize({ width: viewport.width, height: viewport.height });
		const problems = watchForViolations(page);
		for (const path of ['/login', '/signup']) {
			await page.goto(path);
			const pitch = page.getByTestId('pitch');
			await expect(
				pitch.getByRole('heading', { name: 'Clean up Plex and Jellyfin, safely' })
			).toBeVisible();
			await expectProductShot(page);
			await expectFitsWidth(page, `${path} (${viewport.name})`);
			if (viewport.name === 'desktop') {
				// Beside the form, not under it.
				const form = await page.locator('form').first().boundingBox();
				const beside = await pitch.boundingBox();
				expect(beside!.x).toBeGreaterThan(form!.x + form!.width);
			}
			for (const scheme of ['light', 'dark'] as const) {
				await page.emulateMedia({ colorScheme: scheme });
				await expectNoViolations(page, `${path} (${viewport.name}, ${scheme})`);
			}
			await page.emulateMedia({ colorScheme: 'light' });
			await page.screenshot({
				path: `test-results/landing${path.replace('/', '-')}-${viewport.name}.png`,
				fullPage: true
			});
		}
		await page.waitForLoadState('networkidle');
		expect(problems).toEqual([]);
		// The brand leads back to the landing page.
		await page.getByRole('banner').getByRole('link').first().click();
		await expect(page).toHaveURL(/\/$/);
	});
}

test('signed in, / goes straight to the dashboard', async ({ page }) => {
	await signUp(page);
	await page.goto('/');
	await expect(page).toHaveURL(/\/dashboard$/);
});
