import type { ApiClient } from '$lib/api/client';
import { networkError, toApiError } from '$lib/api/errors';
import type { Setup } from '$lib/api/types';

/**
 * The account's setup checklist, as the server last said (`GET /api/v1/setup`): shared by the
 * sidebar, the dashboard and the Get started page. Loaded again after each navigation and each
 * finished sync, since what completes a step happens on other pages.
 */
export class SetupStore {
	state = $state<Setup | null>(null);
	error = $state<string | null>(null);
	busy = $state(false);

	readonly #client: ApiClient;
	#loading: Promise<void> | null = null;
	#again: Promise<void> | null = null;

	constructor(client: ApiClient) {
		this.#client = client;
	}

	/**
	 * Load it again, one request at a time. A call while one is under way gets a read made after it:
	 * the one under way may have been answered before the caller's own change (a library switched
	 * off just as a sync ended). The calls meanwhile share that second read.
	 */
	load(): Promise<void> {
		if (!this.#loading) {
			this.#loading = this.#load().finally(() => (this.#loading = null));
			return this.#loading;
		}
		this.#again ??= this.#loading.then(() => {
			this.#again = null;
			return this.load();
		});
		return this.#again;
	}

	async #load(): Promise<void> {
		try {
			const res = await this.#client.GET('/api/v1/setup');
			if (res.data) {
				this.state = res.data;
				this.error = null;
			} else {
				this.error = toApiError(res.error, res.response).detail;
			}
		} catch {
			this.error = networkError().detail;
		}
	}

	/** Hide the checklist from the dashboard and the sidebar, or show it again. */
	async dismiss(dismissed: boolean): Promise<boolean> {
		return this.#write(() => this.#client.PATCH('/api/v1/setup', { body: { dismissed } }));
	}

	/** The dashboard showed figures of a complete sync: the last step is done (once). */
	async dashboardSeen(): Promise<boolean> {
		return this.#write(() => this.#client.POST('/api/v1/setup/dashboard-seen'));
	}

	async #write(
		call: () => Promise<{ data?: Setup; error?: unknown; response: Response }>
	): Promise<boolean> {
		this.busy = true;
		try {
			const res = await call();
			if (res.data) {
				this.state = res.data;
				this.error = null;
				return true;
			}
			this.error = toApiError(res.error, res.response).detail;
			return false;
		} catch {
			this.error = networkError().detail;
			return false;
		} finally {
			this.busy = false;
		}
	}

	/** Forget everything (another account signed in). */
	reset(): void {
		this.state = null;
		this.error = null;
	}
}
