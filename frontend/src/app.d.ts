// See https://svelte.dev/docs/kit/types#app.d.ts
// for information about these interfaces
declare global {
	namespace App {
		// interface Error {}
		// interface Locals {}
		// interface PageData {}
		interface PageState {
			/** An item sheet opened over the page by a click (shallow routing): Back closes it. */
			sheet?: { connection_id: string; upstream_id: string };
		}
		// interface Platform {}
	}
}

export {};
