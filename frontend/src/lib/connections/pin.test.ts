import { describe, expect, it, vi } from 'vitest';
import type { PlexPin, PlexPinStatus, PlexServer } from '$lib/api/types';
import {
	addressKind,
	IDLE,
	isPending,
	MAX_POLL_FAILURES,
	pinReducer,
	runPinFlow,
	secondsLeft,
	sortServers,
	type ApiResult,
	type PinIo,
	type PinState
} from './pin';

const PIN: PlexPin = {
	pin_id: 42,
	code: 'ABCD',
	auth_url: 'https://plex.test/auth#x',
	expires_in: 60
};
const SERVER: PlexServer = {
	client_identifier: 'srv1',
	name: 'Home',
	owned: true,
	product_version: '1.41',
	connections: [{ uri: 'http://10.0.0.2:32400', local: true, relay: false }]
};

describe('pinReducer', () => {
	it('goes idle → creating → waiting → claimed', () => {
		let s: PinState = pinReducer(IDLE, { type: 'start' });
		expect(s.step).toBe('creating');
		s = pinReducer(s, { type: 'created', pin: PIN, now: 1000 });
		expect(s).toEqual({ step: 'waiting', pin: PIN, deadline: 61_000 });
		expect(secondsLeft(s, 31_000)).toBe(30);
		s = pinReducer(s, { type: 'polled', result: { status: 'waiting', servers: [] }, now: 2000 });
		expect(s.step).toBe('waiting');
		s = pinReducer(s, {
			type: 'polled',
			result: { status: 'claimed', servers: [SERVER] },
			now: 3000
		});
		expect(s).toEqual({ step: 'claimed', servers: [SERVER] });
		expect(isPending(s)).toBe(false);
	});

	it('expires when plex.tv says so or the deadline passes', () => {
		const waiting = pinReducer(pinReducer(IDLE, { type: 'start' }), {
			type: 'created',
			pin: PIN,
			now: 0
		});
		expect(
			pinReducer(waiting, { type: 'polled', result: { status: 'expired', servers: [] }, now: 1 })
		).toEqual({ step: 'expired' });
		expect(
			pinReducer(waiting, {
				type: 'polled',
				result: { status: 'waiting', servers: [] },
				now: 60_000
			})
		).toEqual({ step: 'expired' });
	});

	it('cancels and fails only while pending', () => {
		const creating = pinReducer(IDLE, { type: 'start' });
		expect(pinReducer(creating, { type: 'cancel' })).toEqual({ step: 'cancelled' });
		expect(pinReducer(creating, { type: 'fail', message: 'boom' })).toEqual({
			step: 'error',
			message: 'boom'
		});
		const claimed: PinState = { step: 'claimed', servers: [] };
		expect(pinReducer(claimed, { type: 'cancel' })).toBe(claimed);
		expect(pinReducer(claimed, { type: 'fail', message: 'x' })).toBe(claimed);
		// A late "created" after a cancel is ignored.
		expect(pinReducer({ step: 'cancelled' }, { type: 'created', pin: PIN, now: 0 })).toEqual({
			step: 'cancelled'
		});
	});
});

function fakeIo(checks: ApiResult<PlexPinStatus>[], create?: ApiResult<PlexPin>) {
	let clock = 0;
	const io: PinIo & { opened: string[] } = {
		opened: [],
		create: vi.fn(async () => create ?? { ok: true as const, value: PIN }),
		check: vi.fn(
			async (): Promise<ApiResult<PlexPinStatus>> =>
				checks.shift() ?? { ok: true, value: { status: 'waiting', servers: [] } }
		),
		open(url) {
			this.opened.push(url);
		},
		now: () => clock,
		sleep: vi.fn(async (ms: number) => {
			clock += ms;
		})
	};
	return io;
}

describe('runPinFlow', () => {
	it('opens plex.tv, polls once a second and ends with the servers', async () => {
		const io = fakeIo([
			{ ok: true, value: { status: 'waiting', servers: [] } },
			{ ok: true, value: { status: 'claimed', servers: [SERVER] } }
		]);
		const states: string[] = [];
		const end = await runPinFlow(io, (s) => states.push(s.step), new AbortController().signal);
		expect(end).toEqual({ step: 'claimed', servers: [SERVER] });
		expect(states).toEqual(['creating', 'waiting', 'claimed']);
		expect(io.opened).toEqual([PIN.auth_url]);
		expect(io.check).toHaveBeenCalledTimes(2);
		expect(io.check).toHaveBeenCalledWith(42);
		expect(io.sleep).toHaveBeenCalledWith(1000, expect.anything());
	});

	it('stops at the deadline', async () => {
		const io = fakeIo([]);
		const end = await runPinFlow(io, () => undefined, new AbortController().signal);
		expect(end).toEqual({ step: 'expired' });
		expect(io.check).toHaveBeenCalledTimes(60);
	});

	it('reports a failure to create the PIN', async () => {
		const io = fakeIo([], { ok: false, message: 'plex.tv is down' });
		const end = await runPinFlow(io, () => undefined, new AbortController().signal);
		expect(end).toEqual({ step: 'error', message: 'plex.tv is down' });
		expect(io.opened).toEqual([]);
	});

	it('tolerates a few failed polls, then gives up', async () => {
		const fail = { ok: false as const, message: 'offline' };
		const io = fakeIo([fail, fail, { ok: true, value: { status: 'claimed', servers: [] } }]);
		expect((await runPinFlow(io, () => undefined, new AbortController().signal)).step).toBe(
			'claimed'
		);
		const io2 = fakeIo(Array.from({ length: MAX_POLL_FAILURES }, () => fail));
		expect(await runPinFlow(io2, () => undefined, new AbortController().signal)).toEqual({
			step: 'error',
			message: 'offline'
		});
	});

	it('cancels when aborted', async () => {
		const ctrl = new AbortController();
		const io = fakeIo([]);
		io.sleep = vi.fn(async () => {
			ctrl.abort();
		});
		const end = await runPinFlow(io, () => undefined, ctrl.signal);
		expect(end).toEqual({ step: 'cancelled' });
		expect(io.check).not.toHaveBeenCalled();
	});
});

describe('helpers', () => {
	it('labels addresses', () => {
		expect(addressKind({ local: true, relay: false })).toBe('local');
		expect(addressKind({ local: false, relay: false })).toBe('remote');
		expect(addressKind({ local: false, relay: true })).toBe('relay');
	});
	it('lists owned servers first', () => {
		const shared = { ...SERVER, name: 'A friend', owned: false };
		const b = { ...SERVER, name: 'B' };
		expect(sortServers([shared, b, SERVER]).map((s) => s.name)).toEqual(['B', 'Home', 'A friend']);
	});
});
