import { expect, test } from '@playwright/test';
import { expectNoViolations, expectShell, logIn, signUp } from './helpers';
import { linkIn, nthMailTo } from './mail';
import { newOperator, operator } from './operator';
import { addJellyseerr, connectionRow, simInfo } from './sim';

// The stack under test does not require verification (devstack --ephemeral): these tests turn the
// operator's switch on for themselves, and off again for the specs after them.
test.describe('e-mail verification', () => {
	test.beforeAll(() => {
		expect(operator('verification', 'on')).toContain('ON');
	});
	test.afterAll(() => {
		expect(operator('verification', 'off')).toContain('OFF');
	});

	test('a new account confirms its address from the mail before it can connect a server', async ({
		page,
		request
	}) => {
		const sim = await simInfo(request);
		const { email } = await signUp(page);
		const banner = page.getByRole('region', { name: 'Confirm your e-mail address.' });
		await expect(banner).toContainText(`We sent a link to ${email}`);
		await expectNoViolations(page, 'dashboard with the verification banner');

		// Connecting is refused, and says why.
		await page.goto('/connections');
		await page.getByRole('button', { name: /^Jellyseerr/ }).click();
		const dialog = page.getByRole('dialog', { name: 'Add Jellyseerr' });
		await dialog.getByLabel('Server URL').fill(sim.jellyseerr.base_url);
		await dialog.getByLabel('API key', { exact: true }).fill(sim.jellyseerr.api_key);
		await dialog.getByRole('button', { name: 'Connect Jellyseerr' }).click();
		await expect(dialog).toContainText('Confirm your e-mail address before connecting a server');
		await dialog.getByRole('button', { name: 'Cancel' }).click();

		// "Send the link again": the newest link is the one that works.
		await nthMailTo(email, 1);
		await banner.getByRole('button', { name: 'Send the link again' }).click();
		await expect(banner.getByRole('status')).toHaveText(
			`We sent a new link to ${email}. It may take a minute to arrive.`
		);
		const mail = await nthMailTo(email, 2);
		expect(mail.subject).toBe('Media Janitor: confirm your e-mail address');

		await page.goto(linkIn(mail, '/verify-email'));
		await expect(page).toHaveURL(/\/verify-email$/); // the token leaves the address bar
		await expect(page.getByTestId('email-confirmed')).toContainText(`${email} is confirmed`);
		await expectNoViolations(page, 'verify-email');
		await page.getByRole('link', { name: 'Connect a server' }).click();
		await expect(page).toHaveURL(/\/connections$/);
		await expect(banner).toBeHidden();
		await addJellyseerr(page, sim);
		await expect(connectionRow(page, 'Jellyseerr')).toBeVisible();
		await page.goto('/settings');
		await expect(page.getByTestId('email-status')).toHaveText('Yes');
	});

	test('an operator sends an unconfirmed account its link again from the console', async ({
		page,
		browser
	}) => {
		const tenantContext = await browser.newContext();
		const { email } = await signUp(await tenantContext.newPage());
		await nthMailTo(email, 1);
		const op = await newOperator();
		await page.goto('/login');
		await logIn(page, op.email, op.password);
		await expectShell(page, op.email);
		await page.goto(`/operator?q=${encodeURIComponent(email)}`);
		const row = page.getByTestId('tenant-row').filter({ hasText: email });
		await expect(row).toHaveCount(1);
		await row.getByRole('button', { name: `Send link to ${email}` }).click();
		await expect(row.getByRole('status')).toHaveText('Link sent');
		const mail = await nthMailTo(email, 2);
		expect(mail.subject).toBe('Media Janitor: confirm your e-mail address');
		await expect(page.getByTestId('audit-action').first()).toHaveText(
			'Sent the verification link again'
		);
		await tenantContext.close();
	});

	test('an old or garbled link says to ask for a new one', async ({ page }) => {
		await page.goto('/verify-email?token=not-a-token-anyone-was-sent');
		await expect(page.getByRole('alert')).toContainText('This link is invalid or has expired');
		await page.goto('/verify-email');
		await expect(page.getByRole('alert')).toContainText(
			'needs the link from your confirmation mail'
		);
	});
});

test('a change of e-mail is confirmed from the new address, and the old one can undo it', async ({
	page
}) => {
	const { email, password } = await signUp(page);
	const moved = email.replace('@', '+moved@');
	await page.goto('/settings');
	await expect(page.getByTestId('email-status')).toHaveText('No (not required on this service)');
	const form = page.getByRole('region', { name: 'Change e-mail address' });
	await form.getByLabel('New e-mail address').fill(moved);
	await form.getByLabel('Your password').fill('not my password at all');
	await form.getByRole('button', { name: 'Send a confirmation link' }).click();
	await expect(
		form.getByText('The password is not correct; the address was not changed.')
	).toBeVisible();
	await form.getByLabel('Your password').fill(password);
	await form.getByRole('button', { name: 'Send a confirmation link' }).click();
	await expect(form.getByTestId('email-change-sent')).toContainText(`We sent a link to ${moved}`);

	const confirm = await nthMailTo(moved, 1);
	expect(confirm.subject).toBe('Media Janitor: confirm your new e-mail address');
	await page.goto(linkIn(confirm, '/verify-email'));
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your new address is confirmed');
	await expect(page.getByTestId('email-confirmed')).toContainText(`Your account now uses ${moved}`);
	await page.getByRole('link', { name: 'Go to the dashboard' }).click();
	await expectShell(page, moved);

	// The old address is told, with a way back.
	const notice = await nthMailTo(email, 1);
	expect(notice.subject).toBe('Media Janitor: your e-mail address was changed');
	expect(notice.text).toContain(moved);
	await page.goto(linkIn(notice, '/undo-email-change'));
	await expect(page).toHaveURL(/\/undo-email-change$/);
	await expectNoViolations(page, 'undo-email-change');
	await page.getByRole('button', { name: 'Move my account back to this address' }).click();
	await expect(page.getByTestId('email-restored')).toContainText(
		`Your account uses ${email} again`
	);

	// Every session ended: this browser's too. The old address signs in again.
	await page.goto('/dashboard');
	await expect(page).toHaveURL(/\/login/);
	await logIn(page, email, password);
	await expectShell(page, email);
});
