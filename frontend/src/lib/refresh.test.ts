import { beforeEach, describe, expect, it, vi } from 'vitest';

const invalidate = vi.fn(async (key: string) => void key);
vi.mock('$app/navigation', () => ({ invalidate: (key: string) => invalidate(key) }));
vi.mock('$app/state', () => ({ navigating: { to: null } }));

const { refresh } = await import('./refresh');

describe('refresh', () => {
	beforeEach(() => invalidate.mockClear());

	it('reloads at once when no navigation is under way', async () => {
		await refresh('reports:data');
		expect(invalidate).toHaveBeenCalledWith('reports:data');
	});

	it('waits for a navigation under way to end, then reloads', async () => {
		vi.useFakeTimers();
		let navigating = true;
		const done = refresh('deletions:data', () => navigating);
		await vi.advanceTimersByTimeAsync(500);
		expect(invalidate).not.toHaveBeenCalled();
		navigating = false;
		await vi.advanceTimersByTimeAsync(60);
		await done;
		expect(invalidate).toHaveBeenCalledWith('deletions:data');
		vi.useRealTimers();
	});
});
