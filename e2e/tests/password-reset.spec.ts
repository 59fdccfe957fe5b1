import { expect, test } from '@playwright/test';
import { expectNoViolations, expectShell, logIn, newPassword, uniqueEmail } from './helpers';
import { mailsTo } from './mail';

test('a forgotten password is reset through the link in the mail', async ({ page, request }) => {
	const email = uniqueEmail();
	const signedUp = await request.post('/api/v1/auth/signup', {
		data: { email, password: newPassword() }
	});
	expect(signedUp.status()).toBe(201);

	await page.goto('/login');
	await page.getByRole('link', { name: 'Forgot your password?' }).click();
	await expect(page).toHaveURL(/\/forgot-password$/);
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Send the link' }).click();
	await expect(page.getByRole('status')).toContainText(
		'a link to reset its password is on its way'
	);

	// The worker sends it through the stack's mail catcher.
	await expect.poll(async () => (await mailsTo(email)).length, { timeout: 20_000 }).toBe(1);
	const [mail] = await mailsTo(email);
	expect(mail.subject).toBe('Media Janitor: reset your password');
	const link = mail.text.match(/\S+\/reset-password\?token=\S+/)?.[0];
	expect(link).toBeTruthy();

	await page.goto(link!);
	// The token leaves the address bar at once.
	await expect(page).toHaveURL(/\/reset-password$/);
	await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
	await expectNoViolations(page, 'reset-password');
	const password = newPassword();
	await page.getByLabel('New password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Set the new password' }).click();
	await expect(page).toHaveURL(/\/login\?reset=1$/);
	await expect(page.getByText('Your password was changed')).toBeVisible();
	await logIn(page, email, password);
	await expectShell(page, email);

	await expect
		.poll(async () => (await mailsTo(email)).map((m) => m.subject), { timeout: 20_000 })
		.toEqual(['Media Janitor: reset your password', 'Media Janitor: your password was changed']);

	// The link worked once.
	const used = await request.post('/api/v1/auth/password/reset', {
		data: { token: new URL(link!).searchParams.get('token'), new_password: newPassword() }
	});
	expect(used.status()).toBe(400);
	expect((await used.json()).error).toBe('invalid_reset_token');
});

test('the reset page without a link, or with an invalid one, says to ask for a new one', async ({
	page
}) => {
	await page.goto('/reset-password');
	await expect(page.getByRole('alert')).toContainText(
		'needs the link from your password reset mail'
	);
	await expect(page.getByRole('button', { name: 'Set the new password' })).toBeDisabled();
	await page.goto('/reset-password?token=not-a-token-anyone-was-sent');
	await page.getByLabel('New password', { exact: true }).fill(newPassword());
	await page.getByRole('button', { name: 'Set the new password' }).click();
	await expect(page.getByRole('alert')).toContainText('invalid or has expired');
	await page.getByRole('link', { name: 'Ask for a new link' }).click();
	await expect(page).toHaveURL(/\/forgot-password$/);
});
