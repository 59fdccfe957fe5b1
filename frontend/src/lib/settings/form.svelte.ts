/**
 * The state of a settings form that saves only what changed: the last saved values, the editable
 * draft, what is pending, the server's and the early errors, and the save itself. The report
 * thresholds and the deletion settings both use it.
 */
import { fieldError, type ApiError } from '$lib/api';
import type { Attempt } from '$lib/api/attempt';

export type Diff<C> = { ok: true; changes: C } | { ok: false; errors: Record<string, string> };

export interface FormSpec<S, D, C> {
	toDraft(saved: S): D;
	diff(saved: S, draft: D): Diff<C>;
	/** The labels of what a change touches, for the success message. */
	labels(changes: C): string[];
	send(changes: C): Promise<Attempt<S>>;
	/** The success message, from those labels. */
	savedMessage(labels: string[]): string;
}

export class SettingsForm<S, D, C extends object> {
	saved: S = $state() as S;
	draft: D = $state() as D;
	serverError = $state<ApiError | null>(null);
	localErrors = $state<Record<string, string>>({});
	busy = $state(false);
	success = $state<string | null>(null);
	readonly pending = $derived.by(() => {
		const d = this.spec.diff(this.saved, this.draft);
		return d.ok ? Object.keys(d.changes).length : 1;
	});

	constructor(
		initial: S,
		private readonly spec: FormSpec<S, D, C>
	) {
		this.saved = initial;
		this.draft = spec.toDraft(initial);
	}

	/** The server's message wins; then a blocking local error; then the live hint. */
	messageFor(key: string, hint: string | null): string | undefined {
		return fieldError(this.serverError, key) ?? this.localErrors[key] ?? hint ?? undefined;
	}

	edited(): void {
		this.success = null;
	}

	/** Values saved elsewhere meanwhile: shown, unless the person is editing. */
	follow(next: S): void {
		if (this.pending > 0) return;
		this.saved = next;
		this.draft = this.spec.toDraft(next);
	}

	reset(): void {
		this.draft = this.spec.toDraft(this.saved);
		this.serverError = null;
		this.localErrors = {};
		this.success = null;
	}

	/** Save what changed; true when something was saved. */
	async save(): Promise<boolean> {
		if (this.busy) return false;
		this.success = null;
		this.serverError = null;
		const diff = this.spec.diff(this.saved, this.draft);
		if (!diff.ok) {
			this.localErrors = diff.errors;
			return false;
		}
		this.localErrors = {};
		const labels = this.spec.labels(diff.changes);
		if (labels.length === 0) {
			this.success = 'Nothing to save: no value changed.';
			return false;
		}
		this.busy = true;
		const res = await this.spec.send(diff.changes);
		this.busy = false;
		if (!res.ok) {
			this.serverError = res.error;
			return false;
		}
		this.saved = res.value;
		this.draft = this.spec.toDraft(res.value);
		this.success = this.spec.savedMessage(labels);
		return true;
	}
}
