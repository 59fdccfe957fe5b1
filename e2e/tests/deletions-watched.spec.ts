import { expect, test, type Page } from '@playwright/test';
import { demoAccount, historyRow, queueRow, resetSim } from './deletions';
import { refreshLibraries } from './demo';
import { expectNoViolations } from './helpers';
import { plexEpisodes, plexPlay, simInfo, SIM_URL } from './sim';

/**
 * The watch-based path from end to end: two people assigned to a show watch two episodes on the
 * simulated Plex server; after the next sync both episodes are in the queue with a countdown and
 * each person's evidence. One is cancelled; the other runs now in dry-run (recorded, not deleted),
 * then, once the server left dry-run, for real: the deleter judges the watch rule again at that
 * moment, the simulator records exactly one DELETE, of that episode, and the history and the audit
 * log show it. (Assigning through the pages is the assignments spec's; here the API assigns.)
 */

test.afterEach(async ({ request }) => {
	await resetSim(request);
});

interface Person {
	id: string;
	name: string;
	accounts: { connection_id: string; server_kind: string }[];
}
interface QueueRow {
	upstream_id: string;
	title: string;
	reason: string;
}

function tab(page: Page, name: string) {
	return page.getByRole('navigation', { name: 'Deletions' }).getByRole('link', { name });
}

test('two people watch two episodes: queued, one cancelled, one dry run, then deleted for real', async ({
	page
}) => {
	test.setTimeout(240_000);
	const headers = await demoAccount(page);
	const sim = await simInfo(page.request);
	const get = async <T>(path: string, params: Record<string, string | number> = {}) => {
		const res = await page.request.get(path, { headers, params });
		expect(res.ok(), path).toBe(true);
		return (await res.json()) as T;
	};

	// bob and carol, as their Plex accounts, assigned to a show of the Plex server.
	const people = await get<Person[]>('/api/v1/people');
	const onPlex = (name: string) =>
		people.find((p) => p.name === name && p.accounts.some((a) => a.server_kind === 'plex'))!;
	const [bob, carol] = [onPlex('bob'), onPlex('carol')];
	expect(bob && carol).toBeTruthy();
	const plex = bob.accounts.find((a) => a.server_kind === 'plex')!.connection_id;
	const shows = await get<{ items: { upstream_id: string; title: string }[] }>(
		'/api/v1/assignments/items',
		{ kind: 'show', connection_id: plex }
	);
	const show = shows.items[0]!;
	const assigned = await page.request.post('/api/v1/assignments', {
		headers,
		data: {
			person_ids: [bob.id, carol.id],
			items: [{ connection_id: plex, upstream_id: show.upstream_id }]
		}
	});
	expect(assigned.status()).toBe(201);

	// Both watch two episodes to the end; a sync reads the plays and the schedule queues them.
	const episodes = [...(await plexEpisodes(page.request, sim, show.title)).values()].slice(0, 2);
	expect(episodes).toHaveLength(2);
	for (const key of episodes)
		for (const who of ['bob', 'carol']) await plexPlay(page.request, sim, key, who);
	await refreshLibraries(page);
	let queued: QueueRow[] = [];
	await expect(async () => {
		const { items } = await get<{ items: QueueRow[] }>('/api/v1/deletions/queue', {
			reason: 'watched',
			page_size: 200
		});
		queued = episodes.map((key) => items.find((r) => r.upstream_id === key)!);
		expect(queued.every(Boolean)).toBe(true);
	}).toPass({ timeout: 30_000 });
	const [cancelled, deleted] = queued.map((r) => r.title) as [string, string];

	await page.goto('/deletions?reason=watched');
	for (const title of [cancelled, deleted]) {
		const row = queueRow(page, title);
		await expect(row.getByTestId('row-kind')).toHaveText('Watch-based');
		await expect(row.getByTestId('row-why')).toContainText('bob');
		await expect(row.getByTestId('row-why')).toContainText('carol');
		await expect(row.getByTestId('countdown')).toHaveText(/^in (23 h|1 d)/);
	}

	// Cancel one: it leaves the queue and will not be queued again by the schedule.
	await queueRow(page, cancelled)
		.getByRole('button', { name: `Cancel the deletion of ${cancelled}` })
		.click();
	await expect(page.getByTestId('queue-notice')).toHaveText(
		`Cancelled “${cancelled}”: it will not be deleted.`
	);
	await expect(queueRow(page, cancelled)).toHaveCount(0);

	// Run the other now, in dry-run: recorded as what would be deleted, nothing sent.
	const runNow = async (button: string) => {
		await queueRow(page, deleted)
			.getByRole('button', { name: `More actions for ${deleted}` })
			.click();
		await page.getByRole('menuitem', { name: 'Run now…' }).click();
		const dialog = page.getByRole('dialog', { name: `Run “${deleted}” now?` });
		await dialog.getByRole('button', { name: button }).click();
		await expect(dialog).toBeHidden();
	};
	await runNow('Run now (dry run)');
	await expect(queueRow(page, deleted).getByTestId('row-status')).toHaveText(
		'Would delete (dry run)',
		{ timeout: 30_000 }
	);

	// Leave dry-run on the Plex server, then run it for real.
	await page
		.getByRole('status', { name: 'Home Server is in dry-run' })
		.getByRole('button', { name: 'Leave dry-run…' })
		.click();
	const live = page.getByRole('dialog', { name: 'Leave dry-run on Home Server?' });
	await live.getByLabel('I understand that files on Home Server will be deleted for real.').check();
	await live.getByRole('button', { name: 'Leave dry-run', exact: true }).click();
	await expect(live).toBeHidden();
	await runNow('Delete now');
	await expect(queueRow(page, deleted)).toHaveCount(0, { timeout: 30_000 });
	const deletes = (
		(await (await page.request.get(`${SIM_URL}/_admin/mutations?kind=delete`)).json()) as {
			ratingKey: string;
		}[]
	).map((m) => String(m.ratingKey));
	expect(deletes.filter((k) => k === queued[1]!.upstream_id)).toHaveLength(1);
	expect(deletes).not.toContain(queued[0]!.upstream_id);

	// The history: one deleted, one cancelled.
	await tab(page, 'History').click();
	await expect(historyRow(page, deleted).getByTestId('row-status')).toHaveText('Deleted');
	await expect(historyRow(page, cancelled).getByTestId('row-status')).toHaveText('Cancelled');

	// The audit log: queued with both people's evidence, and the watch rule checked again when it ran.
	await tab(page, 'Audit log').click();
	await page.getByLabel('Search titles, messages and servers').fill(deleted);
	const events = page.getByTestId('audit-event');
	const queuedEvent = events.filter({ has: page.getByTestId('event-kind').getByText('Queued') });
	await expect(queuedEvent).toHaveCount(1);
	await expect(queuedEvent.getByTestId('event-message')).toContainText(
		'watched by every assigned person'
	);
	for (const who of ['bob', 'carol'])
		await expect(
			queuedEvent.getByTestId('event-evidence').locator(`[data-person="${who}"]`)
		).toHaveAttribute('data-state', 'watched');
	const executed = events.filter({ hasText: 'Deleted on the server' });
	await expect(executed).toHaveCount(1);
	await executed.getByText('What was checked').click();
	await expect(executed).toContainText('Watched by everyone assigned');
	await expect(events.filter({ hasText: 'Verified gone' })).toHaveCount(1);
	await expectNoViolations(page, 'audit log with watch evidence');
});
