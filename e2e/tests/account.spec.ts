import { expect, test } from '@playwright/test';
import {
	expectNoViolations,
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

test('sign-up checks the schema before sending and shows the server words under their fields', async ({
	page
}) => {
	await page.goto('/signup');
	const sent: string[] = [];
	page.on('request', (r) => {
		if (r.url().endsWith('/api/v1/auth/signup')) sent.push(r.url());
	});
	const emailField = page.getByLabel('Email');
	const passwordField = page.getByLabel('Password', { exact: true });
	const create = page.getByRole('button', { name: 'Create account' });

	// Nothing typed: both fields are required, under each; nothing is sent, no banner.
	await create.click();
	await expect(page.locator('#email-error')).toHaveText('Required');
	await expect(page.locator('#password-error')).toHaveText('Required');
	await expect(emailField).toHaveAttribute('aria-invalid', 'true');
	await expect(page.getByTestId('signup-error')).toHaveCount(0);

	// The schema's lengths, in the server's words; typing in a field clears its message.
	const email = uniqueEmail();
	await emailField.fill(email);
	await expect(page.locator('#email-error')).toHaveCount(0);
	await passwordField.fill('short');
	await expect(page.getByRole('list', { name: 'Password requirements' })).toContainText(
		'At least 10 characters'
	);
	await create.click();
	await expect(page.locator('#password-error')).toHaveText('At least 10 characters');
	await expect(passwordField).toHaveAttribute('aria-invalid', 'true');
	await passwordField.fill('x'.repeat(73));
	await create.click();
	await expect(page.locator('#password-error')).toHaveText('At most 72 characters');
	await emailField.fill(`${'a'.repeat(250)}@example.com`);
	await create.click();
	await expect(page.locator('#email-error')).toHaveText('At most 254 characters');
	expect(sent).toEqual([]);
	await page.screenshot({ path: 'test-results/signup-error.png' });

	// The same email twice: the server's answer (409 email_taken), under the email.
	const { password } = await signUp(page, email);
	await logOutViaUserMenu(page, email);
	await page.goto('/signup');
	await emailField.fill(email);
	await passwordField.fill(password);
	await create.click();
	await expect(page.locator('#email-error')).toHaveText(
		'An account with this email already exists. Sign in instead.'
	);
	await expect(emailField).toHaveAttribute('aria-invalid', 'true');
	await expect(page.getByTestId('signup-error')).toHaveCount(0);
	await expect(page).toHaveURL(/\/signup$/);
	await expectNoViolations(page, 'sign-up with errors under its fields');
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

	// Nothing typed: required, under the field, and nothing is sent.
	const confirm = dialog.getByLabel('Enter your password to confirm');
	const sent: string[] = [];
	page.on('request', (r) => {
		if (r.url().endsWith('/api/v1/account/delete')) sent.push(r.url());
	});
	await dialog.getByRole('button', { name: 'Delete account permanently' }).click();
	await expect(dialog.locator('#delete-password-error')).toHaveText('Required');
	await expect(confirm).toHaveAttribute('aria-invalid', 'true');
	expect(sent).toEqual([]);
	await confirm.fill('x'.repeat(1025));
	await dialog.getByRole('button', { name: 'Delete account permanently' }).click();
	await expect(dialog.locator('#delete-password-error')).toHaveText('At most 1,024 characters');
	expect(sent).toEqual([]);

	// Wrong password: the dialog stays and says so under the field, not in a banner.
	await confirm.fill('not-my-password-123');
	await expect(dialog.locator('#delete-password-error')).toHaveCount(0);
	await dialog.getByRole('button', { name: 'Delete account permanently' }).click();
	await expect(dialog.locator('#delete-password-error')).toHaveText(
		'The password is not correct; the account was not deleted.'
	);
	await expect(dialog.getByTestId('delete-error')).toHaveCount(0);
	expect(sent).toHaveLength(1);
	await expectNoViolations(page, 'the delete-account dialog with a wrong password');
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
