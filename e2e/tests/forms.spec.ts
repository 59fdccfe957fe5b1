import { expect, test, type Dialog, type Page, type Route } from '@playwright/test';
import {
	demoAccount,
	queueFromReport,
	queueRow,
	queuedTitle,
	reportRows,
	selectRows
} from './deletions';
import { expectNoViolations, newPassword, signUp } from './helpers';

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

/** Send the request with some of its JSON body replaced: a value only the server refuses. */
function alterBody(changes: Record<string, unknown>, method = 'POST') {
	return async (route: Route) => {
		const request = route.request();
		if (request.method() !== method) return route.fallback();
		const body = { ...(request.postDataJSON() as Record<string, unknown>), ...changes };
		await route.continue({ postData: JSON.stringify(body) });
	};
}

/** Count the writes (not the reads) sent to a path of the API. */
function sentTo(page: Page, path: string | RegExp): string[] {
	const sent: string[] = [];
	page.on('request', (r) => {
		if (r.method() === 'GET') return;
		const url = new URL(r.url()).pathname;
		if (typeof path === 'string' ? url === path : path.test(url)) sent.push(url);
	});
	return sent;
}

test('the server dialogs check the schema before sending and show the server’s 422 under the field', async ({
	page
}) => {
	await signUp(page);
	await page.goto('/connections');
	const sent = sentTo(page, '/api/v1/connections/plex/manual');
	await page.getByRole('button', { name: /^Plex by URL \+ token/ }).click();
	const dialog = page.getByRole('dialog', { name: 'Add Plex by URL and token' });
	const url = dialog.getByLabel('Server URL');
	const token = dialog.getByLabel('Plex token', { exact: true });
	const name = dialog.getByLabel(/^Display name/);
	const submit = dialog.getByRole('button', { name: 'Connect Plex' });

	// The schema's address pattern, its token length and characters, its name length; nothing sent.
	await url.fill('http://-plex-.lan:32400');
	await token.fill('k'.repeat(2001));
	await name.fill('n'.repeat(201));
	await submit.click();
	await expect(dialog.locator('#add-plex-url-error')).toContainText(
		'Is not a server address: a host name or IP address'
	);
	await expect(dialog.locator('#add-plex-secret-error')).toHaveText('At most 2,000 characters');
	await expect(dialog.locator('#add-plex-name-error')).toHaveText('At most 200 characters');
	await expect(url).toHaveAttribute('aria-invalid', 'true');
	await expect(token).toHaveAttribute('aria-invalid', 'true');
	await token.fill('two words');
	await submit.click();
	await expect(dialog.locator('#add-plex-secret-error')).toHaveText(
		'Must be the token as the server shows it: letters, digits and symbols, no spaces'
	);
	await expectNoViolations(page, 'plex dialog (field errors)');
	expect(sent).toEqual([]);

	// A token the form passes but the server refuses (changed on the way): under the token, no banner.
	await url.fill('http://192.168.1.10:32400');
	await token.fill('a-token');
	await name.fill('');
	await page.route('**/api/v1/connections/plex/manual', alterBody({ token: 'a token' }));
	const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/connections/plex/manual'));
	await submit.click();
	expect((await refused).status()).toBe(422);
	await expect(dialog.locator('#add-plex-secret-error')).toHaveText(
		'Must be the token as the server shows it: letters, digits and symbols, no spaces'
	);
	await expect(dialog.locator('#add-plex-url-error')).toHaveCount(0);
	await expect(dialog.getByTestId('form-error')).toHaveCount(0);
	await expect(dialog.getByRole('alert')).toHaveCount(0);
	expect(sent).toHaveLength(1);
});

test('login checks the schema before sending and shows the server’s 422 under the field', async ({
	page
}) => {
	await page.goto('/login');
	const sent = sentTo(page, '/api/v1/auth/login');
	const submit = page.getByRole('button', { name: 'Log in', exact: true });
	await submit.click();
	await expect(page.locator('#email-error')).toHaveText('Required');
	await expect(page.locator('#password-error')).toHaveText('Required');
	await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
	expect(sent).toEqual([]);
	await page.getByLabel('Email').fill('someone@example.com');
	await expect(page.locator('#email-error')).toHaveCount(0);
	await page.getByLabel('Password', { exact: true }).fill('x'.repeat(1025));
	await submit.click();
	await expect(page.locator('#password-error')).toHaveText('At most 1,024 characters');
	expect(sent).toEqual([]);

	await page.route('**/api/v1/auth/login', alterBody({ password: 'y'.repeat(1025) }));
	await page.getByLabel('Password', { exact: true }).fill(newPassword());
	await submit.click();
	await expect(page.locator('#password-error')).toHaveText('At most 1,024 characters');
	await expect(page.getByRole('alert')).toHaveCount(0);
	expect(sent).toHaveLength(1);
});

test('notes of the report dialogs and postponing are checked before sending; the server’s 422 shows under the field', async ({
	page
}) => {
	test.setTimeout(240_000);
	const headers = await demoAccount(page);
	const [queued, kept, listed] = await reportRows(page, headers, 'large', 3);
	const tooLong = 'x'.repeat(1001);

	// Keep this size: the note's maximum from the schema, then the server's answer at the note.
	await page.goto('/reports/large?size=200');
	const dismissals = sentTo(page, '/api/v1/reports/large/dismissals');
	await page.getByRole('button', { name: `Keep this size… ${kept.title}`, exact: true }).click();
	const keep = page.getByRole('dialog', { name: `Keep “${kept.title}” at this size?` });
	const keepNote = keep.getByLabel(/^Note/);
	await keepNote.fill(tooLong);
	await keep.getByRole('button', { name: 'Keep this size' }).click();
	await expect(keep.getByText('At most 1,000 characters', { exact: true })).toBeVisible();
	await expect(keepNote).toHaveAttribute('aria-invalid', 'true');
	expect(dismissals).toEqual([]);
	await page.route('**/api/v1/reports/large/dismissals', alterBody({ note: tooLong }));
	await keepNote.fill('the extended cut');
	await expect(keepNote).not.toHaveAttribute('aria-invalid');
	await keep.getByRole('button', { name: 'Keep this size' }).click();
	await expect(keep.getByText('At most 1,000 characters', { exact: true })).toBeVisible();
	await expect(keepNote).toHaveAttribute('aria-invalid', 'true');
	await expect(keep.getByRole('alert')).toHaveCount(0);
	await expect(keep).not.toContainText('note:');
	expect(dismissals).toHaveLength(1);
	await page.unroute('**/api/v1/reports/large/dismissals');
	await keep.getByRole('button', { name: 'Cancel' }).click();

	// Add to an allowlist: the same.
	const added = sentTo(page, '/api/v1/allowlists');
	await selectRows(page, [listed]);
	await page.getByRole('button', { name: 'Add to allowlist…' }).click();
	const allow = page.getByRole('dialog', { name: 'Add 1 item to an allowlist' });
	const allowNote = allow.getByLabel(/^Note/);
	await allowNote.fill(tooLong);
	await allow.getByRole('button', { name: /^Add to / }).click();
	await expect(allow.getByText('At most 1,000 characters', { exact: true })).toBeVisible();
	await expect(allowNote).toHaveAttribute('aria-invalid', 'true');
	await expectNoViolations(page, 'allowlist dialog (note error)');
	expect(added).toEqual([]);
	await page.route('**/api/v1/allowlists', alterBody({ note: tooLong }));
	await allowNote.fill('family favourite');
	await allow.getByRole('button', { name: /^Add to / }).click();
	await expect(allow.getByText('At most 1,000 characters', { exact: true })).toBeVisible();
	await expect(allow.getByRole('alert')).toHaveCount(0);
	await expect(allow).not.toContainText('note:');
	expect(added).toHaveLength(1);
	await page.unroute('**/api/v1/allowlists');
	await allow.getByRole('button', { name: 'Cancel' }).click();

	// Queue for deletion: the note too.
	const queueing = sentTo(page, '/api/v1/deletions/queue');
	await page.goto('/reports/large?size=200');
	await selectRows(page, [queued]);
	await page.getByTestId('bulk-bar').getByRole('button', { name: 'Queue for deletion…' }).click();
	const queue = page.getByRole('dialog', { name: /^Queue/ });
	await queue.getByLabel(/^Note/).fill(tooLong);
	await queue.getByRole('button', { name: 'Queue for deletion' }).click();
	await expect(queue.getByText('At most 1,000 characters', { exact: true })).toBeVisible();
	await expect(queue.getByLabel(/^Note/)).toHaveAttribute('aria-invalid', 'true');
	expect(queueing).toEqual([]);
	await queue.getByRole('button', { name: 'Cancel' }).click();
	await queueFromReport(page, 'large', [queued]);
	expect(queueing).toHaveLength(1);

	// Postpone: the note, and no later than the schema's maximum of hours from now.
	await page.goto('/deletions');
	const title = queuedTitle(queued);
	const postponed = sentTo(page, /\/api\/v1\/deletions\/queue\/[^/]+\/postpone$/);
	const dialog = page.getByRole('dialog', { name: `Postpone “${title}”` });
	const open = async () => {
		await queueRow(page, title)
			.getByRole('button', { name: `More actions for ${title}` })
			.click();
		await page.getByRole('menuitem', { name: 'Postpone…' }).click();
		await expect(dialog).toBeVisible();
	};
	const when = dialog.getByRole('group', { name: 'Postpone by' });
	const send = dialog.getByRole('button', { name: 'Postpone', exact: true });
	await open();
	await dialog.getByLabel(/^Note/).fill(tooLong);
	await send.click();
	await expect(dialog.getByText('At most 1,000 characters', { exact: true })).toBeVisible();
	expect(postponed).toEqual([]);
	// 30 days twice: due in about 61 days.
	await dialog.getByLabel(/^Note/).fill('');
	for (let i = 0; i < 2; i++) {
		if (i) await open();
		await dialog.getByRole('radio', { name: '30 days' }).check();
		await send.click();
		await expect(dialog).toBeHidden();
	}
	expect(postponed).toHaveLength(2);
	// A third time would pass 90 days: said under the choices, nothing sent.
	await open();
	await dialog.getByRole('radio', { name: '30 days' }).check();
	await send.click();
	await expect(when).toContainText('At most 90 days from now: choose a shorter time');
	await dialog.getByRole('radio', { name: 'Until a day' }).check();
	await expect(when).not.toContainText('At most 90 days');
	await dialog.getByLabel('Day (at most 90 days from now)').fill('2099-12-31');
	await send.click();
	await expect(when).toContainText('At most 90 days from now');
	await expectNoViolations(page, 'postpone dialog (errors)');
	expect(postponed).toHaveLength(2);

	// The server's own checks land there too: a 422 on `hours`, a 400 about the due time.
	await dialog.getByRole('radio', { name: '1 day' }).check();
	await page.route('**/api/v1/deletions/queue/*/postpone', alterBody({ hours: 2161 }));
	await send.click();
	await expect(when).toContainText('At most 2,160 hours');
	await expect(dialog.getByRole('alert')).toHaveCount(0);
	await page.unroute('**/api/v1/deletions/queue/*/postpone');
	await page.route('**/api/v1/deletions/queue/*/postpone', alterBody({ hours: 720 }));
	await send.click();
	await expect(when).toContainText('postponed to 90 days from now at most');
	await expect(dialog.getByRole('alert')).toHaveCount(0);
	await page.unroute('**/api/v1/deletions/queue/*/postpone');
	expect(postponed).toHaveLength(4);
	await send.click();
	await expect(dialog).toBeHidden();
	await expect(page.getByTestId('queue-notice')).toContainText(`Postponed “${title}”: now due`);
});
