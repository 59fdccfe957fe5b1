import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';

export const NAV_PAGES = [
	{ label: 'Dashboard', path: '/dashboard', notBuilt: null },
	{ label: 'Connections', path: '/connections', notBuilt: null },
	{ label: 'Libraries', path: '/libraries', notBuilt: null },
	{ label: 'Reports', path: '/reports', notBuilt: null },
	{ label: 'People', path: '/people', notBuilt: null },
	{ label: 'Assignments', path: '/assignments', notBuilt: null },
	{ label: 'Deletions', path: '/deletions', notBuilt: null },
	{ label: 'Allowlists', path: '/allowlists', notBuilt: null },
	{ label: 'Settings', path: '/settings', notBuilt: null }
] as const;

export function uniqueEmail(): string {
	return `e2e-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}@example.com`;
}

export function newPassword(): string {
	return `pw-${randomBytes(9).toString('base64url')}`;
}

export async function fillCredentials(page: Page, email: string, password: string) {
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(password);
}

/** Sign up through the UI and wait for the app shell. */
export async function signUp(page: Page, email = uniqueEmail(), password = newPassword()) {
	await page.goto('/signup');
	await fillCredentials(page, email, password);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expectShell(page, email);
	return { email, password };
}

export async function logIn(page: Page, email: string, password: string) {
	await fillCredentials(page, email, password);
	await page.getByRole('button', { name: 'Log in' }).click();
}

export async function expectShell(page: Page, email: string) {
	const nav = page.getByRole('navigation', { name: 'Main' });
	await expect(nav).toBeVisible();
	for (const { label } of NAV_PAGES) {
		await expect(nav.getByRole('link', { name: label })).toBeVisible();
	}
	await expect(page.getByRole('banner').getByTestId('user-email')).toHaveText(email);
	await expect(page.getByRole('banner').getByTestId('user-email')).toBeVisible();
}

export async function logOutViaUserMenu(page: Page, email: string) {
	await page.getByRole('button', { name: `Account menu: ${email}` }).click();
	await page.getByRole('menuitem', { name: 'Log out' }).click();
	await expect(page).toHaveURL(/\/login$/);
}

/**
 * Fail with a readable list of WCAG 2 A/AA violations on the current page (or only those of the
 * given impacts), including a name that does not contain the visible label (WCAG 2.5.3).
 */
export async function expectNoViolations(
	page: Page,
	label: string,
	impacts: readonly string[] = ['minor', 'moderate', 'serious', 'critical']
) {
	// Judge resting colours, not whatever the pointer happens to hover (and wait out transitions).
	await page.mouse.move(0, 0);
	await page.waitForTimeout(200);
	const wcag = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
	// Axe files the label-in-name check as experimental: it runs only when asked for by name.
	const labelInName = await new AxeBuilder({ page })
		.withRules(['label-content-name-mismatch'])
		.analyze();
	const violations = [...wcag.violations, ...labelInName.violations].filter((v) =>
		impacts.includes(v.impact ?? 'critical')
	);
	const summary = violations.map(
		(v) =>
			`${label}: ${v.id} (${v.impact}) ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`
	);
	expect(summary, summary.join('\n')).toEqual([]);
}

/** Nothing wider than the screen: the page does not scroll sideways. */
export async function expectFitsWidth(page: Page, label: string) {
	const widths = await page.evaluate(() => ({
		page: document.documentElement.scrollWidth,
		view: window.innerWidth
	}));
	expect(widths.page, `${label}: the page is wider than the screen`).toBeLessThanOrEqual(
		widths.view
	);
}
