import type { ApiClient } from '$lib/api/client';
import { toApiError } from '$lib/api/errors';
import type { SyncRun, SyncStatus } from '$lib/api/types';
import { applyProgress, asProgressEvent, asRun, isActive, keepProgress } from './progress';
import { parseJson, readSse } from './sse';

export interface SyncStoreOptions {
	/** Poll interval when the event stream is unavailable. */
	pollMs?: number;
	sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal.aborted) return resolve();
		const t = setTimeout(done, ms);
		function done() {
			clearTimeout(t);
			signal.removeEventListener('abort', done);
			resolve();
		}
		signal.addEventListener('abort', done, { once: true });
	});
}

/**
 * Where this account's syncing stands, kept live: the latest run (`GET /sync/status`, then
 * `GET /sync/events` through fetch + a stream reader, so the Bearer token and refresh-on-401 apply,
 * falling back to polling `GET /sync/runs/{id}`), when the daily sync is due, and whether Refresh
 * can start one.
 */
export class SyncStore {
	#run = $state<SyncRun | null>(null);
	loaded = $state(false);
	starting = $state(false);
	cancelling = $state(false);
	error = $state<string | null>(null);
	/** How the active run is followed. */
	mode = $state<'idle' | 'stream' | 'poll'>('idle');
	/** Bumped every time a run finishes, so pages can reload what it changed. */
	finishedCount = $state(0);
	/** Connected servers (null until the status is read). */
	servers = $state<number | null>(null);
	/** When the daily full sync is due next (in the past: overdue); null with nothing connected. */
	nextScheduledAt = $state<string | null>(null);
	/** Why Refresh cannot start a sync now (nothing connected), as the API says it; null when it can. */
	blocked = $state<SyncStatus['refresh_blocked']>(null);

	readonly #client: ApiClient;
	readonly #pollMs: number;
	readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
	#abort: AbortController | null = null;
	#following: Promise<void> | null = null;

	constructor(client: ApiClient, opts: SyncStoreOptions = {}) {
		this.#client = client;
		this.#pollMs = opts.pollMs ?? 1500;
		this.#sleep = opts.sleep ?? abortableSleep;
	}

	/** The latest run (active, or the last finished one); null when there has never been one. */
	get run(): SyncRun | null {
		return this.#run;
	}

	/** Every update goes through here: the same run's percentages never drop (`keepProgress`). */
	set run(next: SyncRun | null) {
		this.#run = keepProgress(this.#run, next);
	}

	get active(): boolean {
		return isActive(this.run);
	}

	/** On app load: read the status and attach to the latest run if it is still going. */
	async init(): Promise<void> {
		await this.reloadStatus();
		this.loaded = true;
	}

	/**
	 * Read the status again (a server was added or removed, a run ended): the schedule and whether
	 * Refresh can start; the latest run too, unless one is being followed live.
	 */
	async reloadStatus(): Promise<void> {
		try {
			const res = await this.#client.GET('/api/v1/sync/status');
			if (res.data) {
				this.servers = res.data.servers;
				this.nextScheduledAt = res.data.next_scheduled_at;
				this.blocked = res.data.refresh_blocked;
				if (!this.#following) this.run = res.data.latest;
				this.error = null;
			}
		} catch {
			// Offline: the buttons still work; they report their own errors.
		}
		if (this.active) this.#follow();
	}

	/**
	 * Refresh now (or attach to the run already in progress). `added`: the server just connected,
	 * so the history says the run was started by adding it.
	 */
	async start(full = false, added?: string): Promise<void> {
		if (this.starting) return;
		this.starting = true;
		this.error = null;
		try {
			const res = await this.#client.POST('/api/v1/sync/runs', {
				params: { query: added ? { added } : { full } }
			});
			if (res.data) {
				this.run = res.data;
				this.#follow();
				// A server was just added: Refresh is no longer blocked, and a daily sync is scheduled.
				if (added) void this.reloadStatus();
			} else {
				this.error = toApiError(res.error, res.response).detail;
				// Refused (nothing connected any more?): show what the status says now.
				void this.reloadStatus();
			}
		} catch {
			this.error = toApiError(undefined, undefined).detail;
		} finally {
			this.starting = false;
		}
	}

	async cancel(): Promise<void> {
		const run = this.run;
		if (!run || !this.active || this.cancelling) return;
		this.cancelling = true;
		try {
			const res = await this.#client.POST('/api/v1/sync/runs/{run_id}/cancel', {
				params: { path: { run_id: run.id } }
			});
			if (res.data && this.run?.id === res.data.id) this.run = res.data;
			else if (!res.data) this.error = toApiError(res.error, res.response).detail;
		} catch {
			this.error = toApiError(undefined, undefined).detail;
		} finally {
			this.cancelling = false;
		}
		if (!this.active) this.#finished();
	}

	/** Stop following (logout, shell unmounted). */
	stop(): void {
		this.#abort?.abort();
		this.#abort = null;
		this.#following = null;
		this.mode = 'idle';
	}

	/** Forget everything (another account signed in). */
	reset(): void {
		this.stop();
		this.#run = null;
		this.loaded = false;
		this.error = null;
		this.servers = null;
		this.nextScheduledAt = null;
		this.blocked = null;
	}

	#follow(): void {
		if (this.#following) return;
		const ctrl = new AbortController();
		this.#abort = ctrl;
		this.#following = this.#followLoop(ctrl.signal).finally(() => {
			if (this.#abort === ctrl) {
				this.#abort = null;
				this.#following = null;
				this.mode = 'idle';
			}
		});
	}

	async #followLoop(signal: AbortSignal): Promise<void> {
		const streamed = await this.#stream(signal);
		if (signal.aborted) return;
		if (!streamed && this.active) await this.#poll(signal);
		if (signal.aborted) return;
		await this.#refreshRun(signal);
		this.#finished();
	}

	/** Follow the event stream until the run finishes. False when the stream failed early. */
	async #stream(signal: AbortSignal): Promise<boolean> {
		try {
			const res = await this.#client.GET('/api/v1/sync/events', { parseAs: 'stream', signal });
			const body = res.data as ReadableStream<Uint8Array> | undefined;
			if (!res.response.ok || !body) return false;
			this.mode = 'stream';
			for await (const msg of readSse(body, signal)) {
				const payload = parseJson(msg.data);
				if (msg.event === 'snapshot') {
					const snap = asRun(payload);
					if (snap && (!this.run || snap.id === this.run.id || isActive(snap))) this.run = snap;
				} else if (msg.event === 'progress') {
					const ev = asProgressEvent(payload);
					if (!ev) continue;
					const merged = this.run ? applyProgress(this.run, ev) : null;
					if (merged) this.run = merged;
					else if (!ev.finished) await this.#fetchRun(ev.run_id, signal);
				}
				if (!this.active) return true;
			}
			// The stream ended while the run is still going: let the poller take over.
			return !this.active;
		} catch {
			return false;
		}
	}

	async #poll(signal: AbortSignal): Promise<void> {
		this.mode = 'poll';
		while (!signal.aborted && this.active) {
			await this.#sleep(this.#pollMs, signal);
			if (signal.aborted) return;
			await this.#refreshRun(signal);
		}
	}

	async #fetchRun(id: string, signal: AbortSignal): Promise<void> {
		try {
			const res = await this.#client.GET('/api/v1/sync/runs/{run_id}', {
				params: { path: { run_id: id } },
				signal
			});
			if (res.data && !signal.aborted) this.run = res.data;
		} catch {
			// Transient: the next poll or event catches up.
		}
	}

	#refreshRun(signal: AbortSignal): Promise<void> {
		return this.run ? this.#fetchRun(this.run.id, signal) : Promise.resolve();
	}

	#finished(): void {
		this.finishedCount++;
		// The schedule counts from the latest run.
		void this.reloadStatus();
	}
}
