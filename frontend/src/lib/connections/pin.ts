/**
 * "Sign in with Plex": create a PIN, the person approves it on plex.tv in another tab, we poll
 * until it is claimed (then list the account's servers) or expires. A pure reducer plus a small
 * driver with injectable I/O and timers so the whole flow is unit-tested.
 */
import type { PlexPin, PlexPinStatus, PlexServer } from '$lib/api/types';

export type PinState =
	| { step: 'idle' }
	| { step: 'creating' }
	| { step: 'waiting'; pin: PlexPin; deadline: number }
	| { step: 'claimed'; servers: PlexServer[] }
	| { step: 'expired' }
	| { step: 'cancelled' }
	| { step: 'error'; message: string };

export type PinEvent =
	| { type: 'start' }
	| { type: 'created'; pin: PlexPin; now: number }
	| { type: 'polled'; result: PlexPinStatus; now: number }
	| { type: 'cancel' }
	| { type: 'fail'; message: string };

export const IDLE: PinState = { step: 'idle' };

export function pinReducer(state: PinState, event: PinEvent): PinState {
	switch (event.type) {
		case 'start':
			return { step: 'creating' };
		case 'created':
			if (state.step !== 'creating') return state;
			return {
				step: 'waiting',
				pin: event.pin,
				deadline: event.now + Math.max(0, event.pin.expires_in) * 1000
			};
		case 'polled': {
			if (state.step !== 'waiting') return state;
			const { status, servers } = event.result;
			if (status === 'claimed') return { step: 'claimed', servers: servers ?? [] };
			if (status === 'expired' || event.now >= state.deadline) return { step: 'expired' };
			return state;
		}
		case 'cancel':
			return state.step === 'creating' || state.step === 'waiting' ? { step: 'cancelled' } : state;
		case 'fail':
			return state.step === 'creating' || state.step === 'waiting'
				? { step: 'error', message: event.message }
				: state;
	}
}

/** Still talking to plex.tv (a spinner, a Cancel button). */
export function isPending(state: PinState): boolean {
	return state.step === 'creating' || state.step === 'waiting';
}

/** Seconds left on the PIN, for a countdown. */
export function secondsLeft(state: PinState, now: number): number | null {
	if (state.step !== 'waiting') return null;
	return Math.max(0, Math.ceil((state.deadline - now) / 1000));
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; message: string };

export interface PinIo {
	create(): Promise<ApiResult<PlexPin>>;
	check(pinId: number): Promise<ApiResult<PlexPinStatus>>;
	/** Open plex.tv's sign-in page (a new tab). */
	open(url: string): void;
	now(): number;
	sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Transient poll failures tolerated in a row before giving up. */
export const MAX_POLL_FAILURES = 5;

/**
 * Run the flow: `onState` sees every state. Resolves with the final state (claimed, expired,
 * cancelled or error). Abort `signal` to cancel.
 */
export async function runPinFlow(
	io: PinIo,
	onState: (s: PinState) => void,
	signal: AbortSignal,
	intervalMs = 1000
): Promise<PinState> {
	let state: PinState = IDLE;
	const dispatch = (e: PinEvent) => {
		const next = pinReducer(state, e);
		if (next !== state) {
			state = next;
			onState(state);
		}
	};
	const onAbort = () => dispatch({ type: 'cancel' });
	signal.addEventListener('abort', onAbort, { once: true });
	try {
		dispatch({ type: 'start' });
		const created = await io.create();
		if (signal.aborted) return state;
		if (!created.ok) {
			dispatch({ type: 'fail', message: created.message });
			return state;
		}
		dispatch({ type: 'created', pin: created.value, now: io.now() });
		io.open(created.value.auth_url);

		let failures = 0;
		while (state.step === 'waiting') {
			await io.sleep(intervalMs, signal).catch(() => undefined);
			if (signal.aborted || state.step !== 'waiting') break;
			const res = await io.check(created.value.pin_id);
			if (signal.aborted) break;
			if (res.ok) {
				failures = 0;
				dispatch({ type: 'polled', result: res.value, now: io.now() });
			} else if (++failures >= MAX_POLL_FAILURES) {
				dispatch({ type: 'fail', message: res.message });
			}
		}
		return state;
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
}

/** Address badges for a Plex server connection. */
export function addressKind(c: { local: boolean; relay: boolean }): 'local' | 'remote' | 'relay' {
	if (c.relay) return 'relay';
	return c.local ? 'local' : 'remote';
}

/** Owned servers first, then by name. */
export function sortServers(servers: PlexServer[]): PlexServer[] {
	return [...servers].sort(
		(a, b) => Number(b.owned) - Number(a.owned) || a.name.localeCompare(b.name)
	);
}
