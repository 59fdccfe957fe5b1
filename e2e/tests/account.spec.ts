import { expect, test } from '@playwright/test';
import {
	expectShell,
	logIn,
	logOutViaUserMenu,
	NAV_PAGES,
	newPassword,
	signUp,
	uniqueEmail
} from './helpers';

test('sign up, browse every page, change password, log out and log back in', async ({ page }) => {
	const { email, password } = await signUp(page);
	await expect(page).toHaveURL(/\/dashboard$/);

	const nav = page.getByRole('navigation', { name: 'Main' });
	for (const item of NAV_PAGES) {
		await nav.getByRole('link', { name: item.label }).click();
		await expect(page).toHaveURL(new RegExp(`${item.path}$`));
		await expect(page.getByRole('heading', { level: 1, name: item.label })).toBeVisible();
		await expect(nav.getByRole('link', { name: item.label })).toHaveAttribute(
			'aria-current',
			'page'
		);
		if (item.notBuilt) await expect(page.getByText(item.notBuilt)).toBeVisible();
	}

	// A picture of the shell for humans to judge the design.
	await page.getByRole('link', { name: 'Dashboard' }).click();
	await expect(page.getByText('System status')).toBeVisible();
	await page.screenshot({ path: 'test-results/shell-dashboard.png', fullPage: true });

	// Change the password.
	await nav.getByRole('link', { name: 'Settings' }).click();
	const changed = newPassword();
	await page.getByLabel('Current password', { exact: true }).fill(password);
	// The same password again is no change: refused under its field.
	await page.getByLabel('New password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Change password' }).click();
	await expect(page.locator('#new-password-error')).toContainText(
		'must differ from your current password'
	);
	await page.getByLabel('New password', { exact: true }).fill(changed);
	await page.getByRole('button', { name: 'Change password' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();
	await page.screenshot({ path: 'test-results/shell-settings.png', fullPage: true });

	// The session survives a reload (refresh cookie was rotated by the password change).
	await page.reload();
	await expectShell(page, email);

	await logOutViaUserMenu(page, email);

	// The old password no longer works; the new one does.
	await logIn(page, email, password);
	await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
	await logIn(page, email, changed);
	await expect(page).toHaveURL(/\/dashboard$/);
	await expectShell(page, email);
});

test('a wrong password shows the error message', async ({ page }) => {
	const { email } = await signUp(page);
	await page.getByRole('link', { name: 'Settings' }).click();
	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page).toHaveURL(/\/login$/);

	await logIn(page, email, 'definitely-not-the-password');
	await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
	await expect(page).toHaveURL(/\/login$/);
	await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
});

test('sign-up errors from the server are shown next to the form', async ({ page }) => {
	await page.goto('/signup');
	const email = uniqueEmail();
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill('short');
	await expect(page.getByRole('list', { name: 'Password requirements' })).toContainText(
		'At least 10 characters'
	);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByRole('alert')).toContainText('10 characters');
	await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute(
		'aria-invalid',
		'true'
	);
	await page.screenshot({ path: 'test-results/signup-error.png' });

	// The same email twice: 409 email_taken.
	const { password } = await signUp(page, email);
	await logOutViaUserMenu(page, email);
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByRole('alert')).toBeVisible();
	await expect(page).toHaveURL(/\/signup$/);
});

test('a common password is refused under the password field, with what to do instead', async ({
	page
}) => {
	await page.goto('/signup');
	await page.getByLabel('Email').fill(uniqueEmail());
	await page.getByLabel('Password', { exact: true }).fill('Password123');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.locator('#password-error')).toContainText('most common passwords');
	await expect(page.locator('#password-error')).toContainText('choose one of your own');
	await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute(
		'aria-invalid',
		'true'
	);
	await expect(page).toHaveURL(/\/signup$/);
});

test('a deep link while logged out goes to login and back', async ({ page }) => {
	const { email, password } = await signUp(page);
	await logOutViaUserMenu(page, email);

	// Signed out, / is the landing page (landing.spec.ts); a deep link goes to login and back.
	await page.goto('/');
	await expect(page).toHaveURL(/\/$/);
	await expect(page.getByRole('link', { name: 'Log in' }).first()).toBeVisible();
	await page.goto('/reports');
	await expect(page).toHaveURL(/\/login\?next=%2Freports$/);
	await expect(page.getByRole('status')).toHaveText('Log in to continue.');
	await page.screenshot({ path: 'test-results/login.png' });
	await logIn(page, email, password);
	await expect(page).toHaveURL(/\/reports$/);
	await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
});

test('the theme toggle switches and persists', async ({ page }) => {
	await page.emulateMedia({ colorScheme: 'light' });
	const { email } = await signUp(page);
	const html = page.locator('html');
	await expect(html).not.toHaveClass(/dark/);

	await page.getByRole('button', { name: 'Switch to dark theme' }).click();
	await expect(html).toHaveClass(/dark/);
	expect(await page.evaluate(() => localStorage.getItem('janitor-theme'))).toBe('dark');

	await page.reload();
	await expectShell(page, email);
	await expect(html).toHaveClass(/dark/);
	await page.screenshot({ path: 'test-results/shell-dark.png' });

	await page.getByRole('button', { name: 'Switch to light theme' }).click();
	await expect(html).not.toHaveClass(/dark/);
	await page.reload();
	await expect(html).not.toHaveClass(/dark/);
});

test('without a stored choice the theme follows the OS', async ({ page }) => {
	await page.emulateMedia({ colorScheme: 'dark' });
	await page.goto('/login');
	await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
	await expect(page.locator('html')).toHaveClass(/dark/);
	await page.emulateMedia({ colorScheme: 'light' });
	await expect(page.locator('html')).not.toHaveClass(/dark/);
});

test('delete account: all data gone, cannot log in anymore', async ({ page }) => {
	const { email, password } = await signUp(page);
	await page.getByRole('link', { name: 'Settings' }).click();
	await page.getByRole('button', { name: 'Delete account…' }).click();

	const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
	await expect(dialog).toBeVisible();
	await expect(dialog).toContainText('All your data is removed');

	// Wrong password first: the dialog stays and says so.
	await dialog.getByLabel('Enter your password to confirm').fill('not-my-password-123');
	await dialog.getByRole('button', { name: 'Delete account permanently' }).click();
	await expect(dialog.getByRole('alert')).toBeVisible();
	await page.screenshot({ path: 'test-results/delete-dialog.png' });

	await dialog.getByLabel('Enter your password to confirm').fill(password);
	await dialog.getByRole('button', { name: 'Delete account permanently' }).click();
	await expect(page).toHaveURL(/\/login\?deleted=1$/);
	await expect(page.getByText('Your account and all its data were deleted.')).toBeVisible();

	await logIn(page, email, password);
	await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');

	// And the session is really gone: app pages bounce to login.
	await page.goto('/dashboard');
	await expect(page).toHaveURL(/\/login\?next=%2Fdashboard$/);
});
