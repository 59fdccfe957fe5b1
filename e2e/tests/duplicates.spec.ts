import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { connectAndSyncDemo, refreshLibraries } from './demo';
import { expectNoViolations, signUp } from './helpers';
import { SIM_URL, simInfo } from './sim';
import { fileName, type Group } from './duplicate-groups';

/** Another file of a track appears on the Plex server (the simulator's admin API). */
async function addCopy(request: APIRequestContext, upstreamId: string) {
	const res = await request.post(`${SIM_URL}/_admin/items/copy`, {
		data: { service: 'pms:home', id: upstreamId }
	});
	expect(res.status()).toBe(201);
}

test('a chosen keeper says when its group changed, and choosing again works', async ({ page }) => {
	test.setTimeout(180_000);
	const sim = await simInfo(page.request);
	const signedUp = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/signup'));
	await signUp(page);
	const token = ((await (await signedUp).json()) as { access_token: string }).access_token;
	const headers = { Authorization: `Bearer ${token}` };
	await connectAndSyncDemo(page, sim);

	// A Plex duplicates group of two copies (the copy added below lands on Plex only).
	const connections = (await (
		await page.request.get('/api/v1/connections', { headers })
	).json()) as { id: string; kind: string }[];
	const plex = connections.find((c) => c.kind === 'plex')!.id;
	const listed = (await (
		await page.request.get('/api/v1/reports/duplicates', {
			headers,
			params: { connection_id: plex, page_size: 100 }
		})
	).json()) as { items: Group[] };
	const titles = listed.items.map((g) => g.title);
	const picked = listed.items.find(
		(g) =>
			g.kind === 'duplicates' &&
			g.copies.length === 2 &&
			g.copies.every((c) => c.file) &&
			titles.filter((t) => t === g.title).length === 1
	)!;
	expect(picked, 'the demo world has a Plex duplicates group').toBeTruthy();
	const other = picked.copies.find((c) => !c.keeper)!;

	await page.goto(
		`/reports/duplicates?server=${plex}&q=${encodeURIComponent(picked.title.slice(0, 40))}`
	);
	const group = page
		.getByTestId('duplicate-group')
		.and(page.locator('[data-kind="duplicates"]'))
		.and(page.getByRole('listitem', { name: picked.title, exact: true }));
	await expect(group).toHaveCount(1);
	await group.getByRole('button', { name: `Keep this: ${fileName(other)}` }).click();
	await expect(group.getByTestId('keeper-reason')).toHaveText('Keep the copy you chose');
	await expect(group.getByTestId('stale-choice')).toHaveCount(0);

	// A third file of the song arrives: the choice was made without it, so it no longer applies.
	await addCopy(page.request, other.upstream_id);
	await refreshLibraries(page);
	await page.goto(
		`/reports/duplicates?server=${plex}&q=${encodeURIComponent(picked.title.slice(0, 40))}`
	);
	await expect(group.getByTestId('duplicate-copy')).toHaveCount(3);
	await expect(group.getByTestId('stale-choice')).toContainText(
		'Your choice no longer applies because 1 new copy joined the group.'
	);
	await expect(group.getByTestId('keeper-reason')).not.toHaveText('Keep the copy you chose');
	const chosenRow = group.getByTestId('duplicate-copy').filter({ hasText: fileName(other) });
	await expect(chosenRow.first()).toHaveAttribute('data-keeper', 'false');
	await expectNoViolations(page, 'a duplicates group whose chosen keeper no longer applies');

	// Choosing again, for the group as it is now, applies and clears the note: first confirming the
	// proposed keeper, then another copy.
	const proposed = group.getByTestId('duplicate-copy').and(page.locator('[data-keeper="true"]'));
	const proposedFile = await proposed.getByTestId('copy-file').innerText();
	await proposed.getByRole('button', { name: `Confirm: keep ${proposedFile}` }).click();
	await expect(group.getByTestId('stale-choice')).toHaveCount(0);
	await expect(group.getByTestId('keeper-reason')).toHaveText('Keep the copy you chose');
	await expect(proposed).toContainText(proposedFile);
	await chosenRow
		.first()
		.getByRole('button', { name: `Keep this: ${fileName(other)}` })
		.click();
	await expect(group.getByTestId('keeper-reason')).toHaveText('Keep the copy you chose');
	await expect(group.getByTestId('stale-choice')).toHaveCount(0);
	await page.reload();
	await expect(group.getByTestId('keeper-reason')).toHaveText('Keep the copy you chose');
	await expect(
		group.getByTestId('duplicate-copy').filter({ has: page.getByTestId('keeper-badge') })
	).toContainText(fileName(other));
});
