import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expectNoViolations, signUp } from './helpers';

function tab(page: Page, label: string) {
	return page
		.getByRole('tablist', { name: 'Allowlists' })
		.getByRole('tab', { name: new RegExp(`^${label}\\b`) });
}

async function expectCount(page: Page, label: string, n: number) {
	await expect(tab(page, label).getByTestId('list-count')).toHaveText(String(n));
}

function csvFile(name: string, text: string) {
	return { name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') };
}

test('add by external id, edit the note and expiry, remove', async ({ page }) => {
	await signUp(page);
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Allowlists' })
		.click();
	await expect(page.getByRole('heading', { level: 1, name: 'Allowlists' })).toBeVisible();
	await expect(tab(page, 'Protected')).toHaveAttribute('aria-selected', 'true');
	await expect(page.getByTestId('list-empty')).toContainText('The Protected list is empty');
	await expect(page.getByText('Never reported as stale')).toBeVisible();
	await tab(page, 'French only').click();
	await expect(page.getByTestId('list-empty')).toContainText('The French only list is empty');
	await expect(page.getByText('English audio is not required')).toBeVisible();
	await tab(page, 'Protected').click();

	// Add: a bad external id gets the server's message at the field.
	await page.getByRole('button', { name: 'Add entry' }).first().click();
	const add = page.getByRole('dialog', { name: 'Add to an allowlist' });
	await expect(add.getByLabel('List')).toHaveValue('protected');
	await add.getByLabel('Title').fill('The Matrix');
	await add.getByLabel('External id').fill('603');
	await add.getByRole('button', { name: 'Add entry' }).click();
	await expect(add.locator('#add-guid-error')).toHaveText(
		'must look like tmdb:603, tvdb:121361 or imdb:tt0133093'
	);
	await add.getByLabel('External id').fill('tmdb:603');
	await add.getByLabel(/^Note/).fill('Rewatch every year');
	await add.getByRole('button', { name: 'Add entry' }).click();
	await expect(add).toBeHidden();
	await expect(page.getByTestId('notice')).toHaveText('Added “The Matrix” to Protected.');
	await expectCount(page, 'Protected', 1);
	const row = page.getByTestId('entry-row').filter({ hasText: 'The Matrix' });
	await expect(row.getByTestId('entry-key')).toHaveText('tmdb:603');
	await expect(row.getByTestId('entry-note')).toHaveText('Rewatch every year');
	await expect(row.getByTestId('entry-expiry')).toHaveText('—');

	// Edit the note and set an expiry in the past: the entry shows as expired.
	await row.getByRole('button', { name: 'Edit The Matrix' }).click();
	const edit = page.getByRole('dialog', { name: 'Edit entry' });
	await expect(edit.getByLabel('Note')).toHaveValue('Rewatch every year');
	await edit.getByLabel('Note').fill('Keep until the box set arrives');
	await edit.getByLabel('Expires on').fill('2026-01-15');
	await edit.getByRole('button', { name: 'Save entry' }).click();
	await expect(edit).toBeHidden();
	await expect(row.getByTestId('entry-note')).toHaveText('Keep until the box set arrives');
	await expect(row.getByTestId('entry-expiry')).toContainText('2026');
	await expect(row.getByTestId('entry-expiry')).toContainText('Expired');

	// Move the expiry into the future: no longer expired; it survives a reload.
	await row.getByRole('button', { name: 'Edit The Matrix' }).click();
	await edit.getByLabel('Expires on').fill('2099-06-30');
	await edit.getByRole('button', { name: 'Save entry' }).click();
	await expect(edit).toBeHidden();
	await expect(row.getByTestId('entry-expiry')).toContainText('2099');
	await expect(row.getByTestId('entry-expiry')).not.toContainText('Expired');
	await page.reload();
	await expect(row.getByTestId('entry-expiry')).toContainText('2099');
	await expect(row.getByTestId('entry-note')).toHaveText('Keep until the box set arrives');
	await page.screenshot({ path: 'test-results/allowlists.png', fullPage: true });

	// Remove, after a confirmation that says what happens.
	await row.getByRole('button', { name: 'Remove The Matrix' }).click();
	const confirm = page.getByRole('dialog', { name: 'Remove from Protected?' });
	await expect(confirm).toContainText('can show up in the reports again');
	await confirm.getByRole('button', { name: 'Remove entry' }).click();
	await expect(confirm).toBeHidden();
	await expect(page.getByTestId('notice')).toHaveText('Removed “The Matrix” from Protected.');
	await expect(page.getByTestId('entry-row')).toHaveCount(0);
	await expectCount(page, 'Protected', 0);
});

test('import CSV (a bad file is refused whole, a good one adds), export CSV and JSON', async ({
	page
}) => {
	await signUp(page);
	await page.goto('/allowlists');
	const file = page.getByTestId('import-file');

	// One bad row: refused with the row named, and nothing added.
	await file.setInputFiles(
		csvFile(
			'bad.csv',
			'list,title,guid\nprotected,Alien,tmdb:348\nprotected,Heat,not-an-id\nnot_a_list,Up,tmdb:14160\n'
		)
	);
	const error = page.getByTestId('import-error');
	await expect(error).toContainText('Nothing was imported.');
	await expect(error.getByRole('listitem')).toHaveText([
		'Row 2, guid: must look like tmdb:603, tvdb:121361 or imdb:tt0133093',
		/^Row 3, list: Must be one of: protected, french_only, /
	]);
	for (const label of ['Protected', 'French only', 'Language exempt'])
		await expectCount(page, label, 0);
	await page.screenshot({ path: 'test-results/allowlists-import-error.png', fullPage: true });

	// A good file: the counts say what happened.
	const good =
		'list,title,guid,connection_id,upstream_id,note,expires_at\n' +
		'protected,Alien,tmdb:348,,,Classic,\n' +
		'protected,Heat,tmdb:949,,,,2099-01-01T00:00:00Z\n' +
		'language_exempt,Amélie,imdb:tt0211915,,,French film,\n';
	await file.setInputFiles(csvFile('good.csv', good));
	await expect(page.getByTestId('notice')).toHaveText('Imported good.csv: 3 entries added.');
	await expect(error).toHaveCount(0);
	await expectCount(page, 'Protected', 2);
	await expectCount(page, 'Language exempt', 1);
	await expect(page.getByTestId('entry-row')).toHaveCount(2);
	await tab(page, 'Language exempt').click();
	await expect(page.getByTestId('entry-row')).toHaveText([/Amélie.*imdb:tt0211915.*French film/]);

	// The same file again: nothing new.
	await file.setInputFiles(csvFile('good.csv', good));
	await expect(page.getByTestId('notice')).toHaveText(
		'Imported good.csv: 0 entries added, 3 already listed.'
	);

	// Export: a real download, fetched with the session's token.
	const csvDownload = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export CSV' }).click();
	const csv = await csvDownload;
	expect(csv.suggestedFilename()).toBe('media-janitor-allowlists.csv');
	const csvText = readFileSync(await csv.path(), 'utf8');
	const lines = csvText.trim().split(/\r?\n/);
	expect(lines[0]).toBe('list,title,guid,connection_id,upstream_id,note,expires_at');
	expect(lines).toHaveLength(4);
	expect(csvText).toContain('language_exempt,Amélie,imdb:tt0211915');

	const jsonDownload = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export JSON' }).click();
	const json = await jsonDownload;
	expect(json.suggestedFilename()).toBe('media-janitor-allowlists.json');
	const rows = JSON.parse(readFileSync(await json.path(), 'utf8')) as {
		title: string;
		list: string;
	}[];
	expect(rows.map((r) => r.title).sort()).toEqual(['Alien', 'Amélie', 'Heat']);

	// The exported JSON imports back as "already listed".
	await file.setInputFiles({
		name: 'back.json',
		mimeType: 'application/json',
		buffer: readFileSync(await json.path())
	});
	await expect(page.getByTestId('notice')).toHaveText(
		'Imported back.json: 0 entries added, 3 already listed.'
	);
});

for (const scheme of ['light', 'dark'] as const) {
	test(`allowlists: no WCAG A/AA violations (${scheme})`, async ({ page }) => {
		test.setTimeout(60_000); // several axe runs
		await page.emulateMedia({ colorScheme: scheme });
		await signUp(page);
		await page.goto('/allowlists');
		await expect(page.getByTestId('list-empty')).toBeVisible();
		await expectNoViolations(page, 'allowlists empty');
		await page
			.getByTestId('import-file')
			.setInputFiles(
				csvFile(
					'a.csv',
					'list,title,guid,note,expires_at\nprotected,Alien,tmdb:348,Old,2020-01-01T00:00:00Z\n'
				)
			);
		await expect(page.getByTestId('entry-row')).toHaveCount(1);
		await expect(page.getByTestId('entry-expiry')).toContainText('Expired');
		await expectNoViolations(page, 'allowlists with an entry');
		await page.getByRole('button', { name: 'Add entry' }).first().click();
		await page
			.getByRole('dialog', { name: 'Add to an allowlist' })
			.getByRole('button', { name: 'Add entry' })
			.click();
		await expect(page.locator('#add-guid-error')).toBeVisible();
		await expectNoViolations(page, 'add dialog with errors');
	});
}
