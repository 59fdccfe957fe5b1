import { expect, test, type Page } from '@playwright/test';
import { connectAndSyncDemo } from './demo';
import { signUp } from './helpers';
import { simInfo } from './sim';

/**
 * The People page on the demo world: Plex (owner, friends alice/bob/carol, Home users kid and guest)
 * and Jellyfin (admin, alice, bob, carol). Each server account starts as a person of its own; the
 * owner links the same human's accounts (a suggestion, or by hand), renames and unlinks. The Plex
 * owner and the Jellyfin admin hold a play dated in the future (planted): their watch data cannot be
 * trusted, which the page says in plain words.
 */

function card(page: Page, name: string) {
	return page
		.getByTestId('person')
		.filter({ has: page.getByRole('heading', { level: 2, name, exact: true }) });
}

test.describe('people', () => {
	test.describe.configure({ mode: 'serial' });

	let page: Page;

	test.beforeAll(async ({ browser }, testInfo) => {
		test.setTimeout(120_000);
		const { baseURL, viewport } = testInfo.project.use;
		page = await (await browser.newContext({ baseURL, viewport })).newPage();
		await signUp(page);
		await connectAndSyncDemo(page, await simInfo(page.request));
	});

	test.afterAll(async () => {
		await page.context().close();
	});

	test('everyone of each server, what they watched, and whether their answers can be trusted', async () => {
		await page
			.getByRole('navigation', { name: 'Main' })
			.getByRole('link', { name: 'People' })
			.click();
		await expect(page.getByRole('heading', { level: 1, name: 'People' })).toBeVisible();
		await expect(page.getByTestId('person')).toHaveCount(10);

		// A Plex friend and a Plex Home user, each with their server, role and what they watched.
		const alice = card(page, 'alice').filter({ hasText: 'Friend' });
		await expect(alice.getByTestId('person-account')).toHaveText(
			/alice · Friend\s*Plex · Home Server/
		);
		await expect(alice.getByTestId('person-health')).toHaveText(/Watch data looks right/);
		await expect(alice.getByTestId('person-recent').getByRole('listitem')).not.toHaveCount(0);
		await expect(card(page, 'kid').getByTestId('person-account')).toContainText('Plex Home');

		// The owner's history holds a play dated in the future: unknown, and the page says what it means.
		await expect(page.getByTestId('people-health-summary')).toContainText(
			'The watch data of 2 people cannot be trusted now'
		);
		const owner = card(page, 'owner');
		await expect(owner.getByTestId('person-health')).toContainText(
			'Watch data cannot be trusted now'
		);
		await expect(owner.getByTestId('person-health')).toContainText(
			/Plex · Home Server \(owner\): Their history has a play dated \d{4}-\d{2}-\d{2}, in the future\./
		);
		await expect(owner.getByTestId('person-health')).toContainText(
			'their answers are unknown: nothing they are assigned to is queued for deletion'
		);
		await expect(card(page, 'admin').getByTestId('person-health')).toContainText(
			'Jellyfin (admin): Their history has a play dated'
		);
		await page.screenshot({ path: 'test-results/people.png', fullPage: true });
	});

	test('a suggested link (same name on two servers) is accepted in one click', async () => {
		const suggestions = page.getByTestId('suggestion');
		await expect(suggestions).toHaveCount(3);
		await expect(suggestions.first()).toContainText('Why: same name');

		await page.getByRole('button', { name: 'Link them: alice and alice' }).click();
		await expect(page.getByTestId('people-notice')).toHaveText(
			'Linked alice into alice: 2 server accounts, one person.'
		);
		await expect(suggestions).toHaveCount(2);
		await expect(page.getByTestId('person')).toHaveCount(9);
		const alice = card(page, 'alice');
		await expect(alice).toHaveCount(1);
		await expect(alice.getByTestId('person-account')).toHaveCount(2);
		await expect(alice.getByTestId('person-account').nth(1)).toContainText('Jellyfin');
	});

	test('a suggestion that is not the same person is dismissed, stays dismissed, and can be undone', async () => {
		const suggestions = page.getByTestId('suggestion');
		await expect(suggestions).toHaveCount(2);
		await page.getByRole('button', { name: 'Not the same person: bob and bob' }).click();
		const notice = page.getByTestId('people-notice');
		await expect(notice).toContainText('bob and bob will not be suggested as one person again.');
		await expect(suggestions).toHaveCount(1);
		await expect(page.getByRole('button', { name: 'Link them: bob and bob' })).toHaveCount(0);
		// Kept on the server: a reload does not bring it back.
		await page.reload();
		await expect(page.getByTestId('person').first()).toBeVisible();
		await expect(suggestions).toHaveCount(1);
		await expect(page.getByRole('button', { name: 'Link them: carol and carol' })).toBeVisible();

		await page.getByRole('button', { name: 'Not the same person: carol and carol' }).click();
		await expect(suggestions).toHaveCount(0);
		await notice.getByRole('button', { name: 'Undo' }).click();
		await expect(notice).toBeHidden();
		await expect(page.getByRole('button', { name: 'Link them: carol and carol' })).toBeVisible();
		await expect(suggestions).toHaveCount(1);
	});

	test('link by hand, rename, and unlink an account', async () => {
		// The Plex owner and the Jellyfin admin are the same human.
		await card(page, 'owner').getByRole('button', { name: 'Link people into owner' }).click();
		const dialog = page.getByRole('dialog', { name: 'Link people into owner' });
		await dialog.getByRole('button', { name: 'Link', exact: true }).click();
		// Under the choices, not in a banner.
		await expect(dialog.locator('#link-chosen-error')).toHaveText(
			'Choose at least one person to link.'
		);
		await expect(dialog.getByRole('alert')).toHaveCount(0);
		await dialog.getByRole('checkbox', { name: /^admin\b/ }).check();
		await dialog.getByRole('button', { name: 'Link 1 person' }).click();
		await expect(dialog).toBeHidden();
		await expect(page.getByTestId('people-notice')).toHaveText(
			'Linked admin into owner: 2 server accounts, one person.'
		);
		await expect(card(page, 'admin')).toHaveCount(0);
		await expect(card(page, 'owner').getByTestId('person-account')).toHaveCount(2);
		await expect(card(page, 'owner').getByTestId('person-account').nth(1)).toContainText(
			'linked by you'
		);

		// Rename: the servers keep their own names.
		await card(page, 'owner').getByRole('button', { name: 'Rename owner' }).click();
		const rename = page.getByRole('dialog', { name: 'Rename owner' });
		await rename.getByLabel('Name').fill('  ');
		await rename.getByRole('button', { name: 'Save name' }).click();
		// The schema's rule, in the server's words, under the field.
		await expect(rename.locator('#person-name-error')).toHaveText('Required');
		await expect(rename.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');
		await rename.getByLabel('Name').fill('x'.repeat(301));
		await rename.getByRole('button', { name: 'Save name' }).click();
		await expect(rename.locator('#person-name-error')).toHaveText('At most 300 characters');
		// The server's 422 (a name made too long on the way) lands under the field too.
		await page.route('**/api/v1/people/*', async (route) => {
			if (route.request().method() !== 'PATCH') return route.fallback();
			await route.continue({ postData: JSON.stringify({ name: 'y'.repeat(301) }) });
		});
		await rename.getByLabel('Name').fill('Hank');
		await rename.getByRole('button', { name: 'Save name' }).click();
		await expect(rename.locator('#person-name-error')).toHaveText('At most 300 characters');
		await expect(rename.getByRole('alert')).toHaveCount(0);
		await page.unroute('**/api/v1/people/*');
		await rename.getByLabel('Name').fill('Hank');
		await rename.getByRole('button', { name: 'Save name' }).click();
		await expect(rename).toBeHidden();
		await expect(page.getByTestId('people-notice')).toHaveText('Renamed owner to Hank.');
		const hank = card(page, 'Hank');
		await expect(hank.getByTestId('person-account').first()).toContainText('owner · Owner');

		// Unlink the Jellyfin account: it is a person of its own again.
		await hank.getByRole('button', { name: 'Unlink admin (Jellyfin) from Hank' }).click();
		const unlink = page.getByRole('dialog', { name: 'Unlink admin?' });
		await expect(unlink).toContainText('becomes a person of their own, with no assignments');
		await unlink.getByRole('button', { name: 'Unlink account' }).click();
		await expect(unlink).toBeHidden();
		await expect(page.getByTestId('people-notice')).toHaveText(
			'admin (Jellyfin) is a person of their own again; Hank keeps the assignments.'
		);
		await expect(card(page, 'admin')).toHaveCount(1);
		await expect(hank.getByTestId('person-account')).toHaveCount(1);
		await expect(page.getByTestId('person')).toHaveCount(9);

		// It survives a reload (it is the server's state, not the page's).
		await page.reload();
		await expect(card(page, 'Hank')).toHaveCount(1);
		await expect(card(page, 'alice').getByTestId('person-account')).toHaveCount(2);
	});
});
