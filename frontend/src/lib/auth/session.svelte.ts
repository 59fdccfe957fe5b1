import createClient from 'openapi-fetch';
import { lateFetch, type ClientOptions } from '$lib/api/client';
import type { paths } from '$lib/api/schema';
import type { Account, Session } from '$lib/api/types';

export type AuthStatus = 'unknown' | 'authenticated' | 'anonymous';

/**
 * The session, in memory only. The refresh token is an httpOnly cookie the SPA never sees;
 * `refresh()` trades it for a new access token (and a rotated cookie).
 */
export class AuthStore {
	token = $state<string | null>(null);
	account = $state<Account | null>(null);
	status = $state<AuthStatus>('unknown');

	readonly #client;
	#inflight: Promise<string | null> | null = null;
	#started: Promise<void> | null = null;

	constructor(opts: ClientOptions = {}) {
		// A bare client (no auth middleware): refreshing must never trigger another refresh.
		this.#client = createClient<paths>({
			baseUrl: opts.baseUrl ?? '',
			fetch: opts.fetch ?? lateFetch,
			credentials: 'same-origin'
		});
	}

	get authenticated(): boolean {
		return this.status === 'authenticated';
	}

	setSession(session: Session): void {
		this.token = session.access_token;
		this.account = session.account;
		this.status = 'authenticated';
	}

	clear(): void {
		this.token = null;
		this.account = null;
		this.status = 'anonymous';
	}

	/** Restore a session from the refresh cookie, once per page load. Never rejects. */
	init(): Promise<void> {
		this.#started ??= this.refresh().then(() => undefined);
		return this.#started;
	}

	/** Single-flight: concurrent callers share one POST /auth/refresh. Never rejects. */
	refresh(): Promise<string | null> {
		this.#inflight ??= this.#doRefresh().finally(() => {
			this.#inflight = null;
		});
		return this.#inflight;
	}

	async #doRefresh(): Promise<string | null> {
		try {
			const { data } = await this.#client.POST('/api/v1/auth/refresh');
			if (data) {
				this.setSession(data);
				return data.access_token;
			}
		} catch {
			// Network failure: treat as logged out; the login form will report connectivity.
		}
		this.clear();
		return null;
	}
}
