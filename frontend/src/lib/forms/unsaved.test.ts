import { describe, expect, it, vi } from 'vitest';

vi.mock('$app/navigation', () => ({ beforeNavigate: vi.fn() }));
vi.mock('svelte', () => ({ onDestroy: vi.fn() }));
vi.mock('$lib/auth', () => ({ auth: { status: 'authenticated' } }));

const { confirmLeaving, decide, LEAVE_QUESTION, register } = await import('./unsaved');

function nav(type: 'link' | 'leave' | 'popstate' | 'goto') {
	return { type, cancel: vi.fn() };
}

describe('decide', () => {
	it('lets a navigation go when nothing is unsaved, without asking', () => {
		const n = nav('link');
		const ask = vi.fn(() => false);
		expect(decide(n, false, ask)).toBe(true);
		expect(ask).not.toHaveBeenCalled();
		expect(n.cancel).not.toHaveBeenCalled();
	});

	it('asks inside the app: no keeps the page, yes leaves', () => {
		const stay = nav('link');
		expect(decide(stay, true, () => false)).toBe(false);
		expect(stay.cancel).toHaveBeenCalledOnce();
		const back = nav('popstate');
		const ask = vi.fn(() => true);
		expect(decide(back, true, ask)).toBe(true);
		expect(ask).toHaveBeenCalledWith(LEAVE_QUESTION);
		expect(back.cancel).not.toHaveBeenCalled();
	});

	it('leaves a reload or a closed tab to the browser prompt', () => {
		const n = nav('leave');
		const ask = vi.fn(() => true);
		expect(decide(n, true, ask)).toBe(false);
		expect(n.cancel).toHaveBeenCalledOnce();
		expect(ask).not.toHaveBeenCalled();
	});
});

describe('confirmLeaving', () => {
	it('asks only while a form on the page has unsaved changes, and goes on when told', () => {
		const ask = vi.fn(() => false);
		expect(confirmLeaving(ask)).toBe(true);
		let dirty = false;
		const out = register(() => dirty);
		const clean = register(() => false);
		expect(confirmLeaving(ask)).toBe(true);
		expect(ask).not.toHaveBeenCalled();
		dirty = true;
		expect(confirmLeaving(ask)).toBe(false);
		expect(ask).toHaveBeenCalledWith(LEAVE_QUESTION);
		expect(confirmLeaving(() => true)).toBe(true);
		out();
		clean();
		ask.mockClear();
		expect(confirmLeaving(ask)).toBe(true);
		expect(ask).not.toHaveBeenCalled();
	});
});
