import { expect, test, type Dialog, type Page } from '@playwright/test';
import { signUp } from './helpers';

/**
 * Forms check what the API schema says before sending, in the server's plain words, under the
 * field; and a settings form with unsaved changes asks before the page is left.
 */

const LEAVE = 'You have unsaved changes. Leave this page and lose them?';

/** Answer the next dialog, and remember it. */
function answerNext(page: Page, accept: boolean): Promise<Dialog> {
	return new Promise((resolve) => {
		page.once('dialog', async (dialog) => {
			if (accept) await dialog.accept();
			else await dialog.dismiss();
			resolve(dialog);
		});
	});
}

test('unsaved thresholds ask before leaving: cancel stays with the value, OK leaves', async ({
	page
}) => {
	await signUp(page);
	const nav = page.getByRole('navigation', { name: 'Main' });
	await nav.getByRole('link', { name: 'Settings' }).click();
	const form = page.getByRole('form', { name: 'Report thresholds' });
	const stale = form.getByLabel('Stale after', { exact: true });
	await expect(stale).toHaveValue('4');

	// Nothing changed: no question.
	let asked = 0;
	const count = () => asked++;
	page.on('dialog', count);
	await nav.getByRole('link', { name: 'Dashboard' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);
	await nav.getByRole('link', { name: 'Settings' }).click();
	await expect(stale).toHaveValue('4');
	expect(asked).toBe(0);
	page.off('dialog', count);

	await stale.fill('9');
	await form.getByLabel('Required audio languages', { exact: true }).fill('fr');
	let dialog = answerNext(page, false);
	await nav.getByRole('link', { name: 'Reports' }).click();
	expect((await dialog).message()).toBe(LEAVE);
	expect((await dialog).type()).toBe('confirm');
	await expect(page).toHaveURL(/\/settings$/);
	await expect(stale).toHaveValue('9');
	await expect(form.getByLabel('Required audio languages', { exact: true })).toHaveValue('fr');

	// Back in the browser asks too.
	dialog = answerNext(page, false);
	await page.goBack();
	expect((await dialog).message()).toBe(LEAVE);
	await expect(page).toHaveURL(/\/settings$/);
	await expect(stale).toHaveValue('9');

	// A reload or a closed tab: the browser's own prompt.
	dialog = answerNext(page, false);
	await page.reload({ timeout: 5_000 }).catch(() => undefined);
	expect((await dialog).type()).toBe('beforeunload');
	await expect(stale).toHaveValue('9');

	dialog = answerNext(page, true);
	await nav.getByRole('link', { name: 'Reports' }).click();
	await dialog;
	await expect(page).toHaveURL(/\/reports$/);
	await nav.getByRole('link', { name: 'Settings' }).click();
	await expect(stale).toHaveValue('4'); // left, not saved

	// Saved changes are not unsaved: no question.
	await stale.fill('6');
	await form.getByRole('button', { name: 'Save thresholds' }).click();
	await expect(form.getByTestId('thresholds-saved')).toBeVisible();
	page.on('dialog', count);
	await nav.getByRole('link', { name: 'Dashboard' }).click();
	await expect(page).toHaveURL(/\/dashboard$/);
	expect(asked).toBe(0);
});

test('logging out with unsaved settings asks first: cancel keeps the page signed in, OK logs out', async ({
	page
}) => {
	const { email } = await signUp(page);
	const nav = page.getByRole('navigation', { name: 'Main' });
	await nav.getByRole('link', { name: 'Settings' }).click();
	const form = page.getByRole('form', { name: 'Report thresholds' });
	const stale = form.getByLabel('Stale after', { exact: true });
	await expect(stale).toHaveValue('4');
	await stale.fill('9');
	const loggedOut: string[] = [];
	page.on('request', (r) => {
		if (r.url().endsWith('/api/v1/auth/logout')) loggedOut.push(r.url());
	});

	// The Settings page's own Log out: cancel stays, still signed in, the value kept.
	let dialog = answerNext(page, false);
	await page.getByRole('button', { name: 'Log out', exact: true }).click();
	expect((await dialog).message()).toBe(LEAVE);
	await expect(page).toHaveURL(/\/settings$/);
	await expect(stale).toHaveValue('9');
	expect(loggedOut).toEqual([]);
	// Still signed in: saving works.
	await form.getByRole('button', { name: 'Save thresholds' }).click();
	await expect(form.getByTestId('thresholds-saved')).toBeVisible();

	// The account menu's Log out asks too; OK logs out, asked once.
	await stale.fill('7');
	let asked = 0;
	page.on('dialog', () => void asked++);
	dialog = answerNext(page, true);
	await page.getByRole('button', { name: `Account menu: ${email}` }).click();
	await page.getByRole('menuitem', { name: 'Log out' }).click();
	expect((await dialog).message()).toBe(LEAVE);
	await expect(page).toHaveURL(/\/login$/);
	expect(loggedOut).toHaveLength(1);
	expect(asked).toBe(1);
});

test('unsaved deletion settings ask before leaving', async ({ page }) => {
	await signUp(page);
	await page.goto('/deletions/settings');
	const delay = page.getByLabel('Wait before deleting');
	await expect(delay).toHaveValue('24');
	await delay.fill('48');
	const nav = page.getByRole('navigation', { name: 'Main' });

	let dialog = answerNext(page, false);
	await nav.getByRole('link', { name: 'Dashboard' }).click();
	expect((await dialog).message()).toBe(LEAVE);
	await expect(page).toHaveURL(/\/deletions\/settings$/);
	await expect(delay).toHaveValue('48');

	dialog = answerNext(page, true);
	await nav.getByRole('link', { name: 'Dashboard' }).click();
	await dialog;
	await expect(page).toHaveURL(/\/dashboard$/);
});

test('the password form checks the schema before sending and shows the server words at the field', async ({
	page
}) => {
	const { password } = await signUp(page);
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Settings' })
		.click();
	const sent: string[] = [];
	page.on('request', (r) => {
		if (r.url().endsWith('/api/v1/account/password')) sent.push(r.url());
	});
	const current = page.getByLabel('Current password', { exact: true });
	const next = page.getByLabel('New password', { exact: true });
	const submit = page.getByRole('button', { name: 'Change password' });

	// Nothing typed: both fields are required; nothing is sent.
	await submit.click();
	await expect(page.locator('#current-password-error')).toHaveText('Required');
	await expect(page.locator('#new-password-error')).toHaveText('Required');
	await expect(current).toHaveAttribute('aria-invalid', 'true');

	// Too short: the schema's minimum, in plain words.
	await current.fill(password);
	await expect(page.locator('#current-password-error')).toHaveCount(0);
	await next.fill('short');
	await submit.click();
	await expect(page.locator('#new-password-error')).toHaveText('At least 10 characters');
	await next.fill('x'.repeat(73));
	await submit.click();
	await expect(page.locator('#new-password-error')).toHaveText('At most 72 characters');
	expect(sent).toEqual([]);

	// A wrong current password: the server's answer, under that field, not in a banner.
	await current.fill('not-the-password-at-all');
	await next.fill('a brand new passphrase');
	await submit.click();
	await expect(page.locator('#current-password-error')).toHaveText(
		'The current password is not correct.'
	);
	await expect(page.getByTestId('password-error')).toHaveCount(0);

	// The same password again is refused, under the new one.
	await current.fill(password);
	await next.fill(password);
	await submit.click();
	await expect(page.locator('#new-password-error')).toContainText(
		'must differ from your current password'
	);
	await expect(page.getByTestId('password-error')).toHaveCount(0);
	expect(sent).toHaveLength(2);
});
