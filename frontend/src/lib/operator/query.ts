/** The operator console's state in the URL (search, page, audit page) and the words it shows. */
import type { BadgeVariant } from '$lib/components/ui/badge';

export const PAGE_SIZES = [25, 50, 100] as const;
export const AUDIT_PAGE_SIZE = 20;

export interface ConsoleState {
	q: string;
	page: number;
	size: number;
	audit: number;
}

function positive(raw: string | null, fallback: number, max = 100_000): number {
	const n = Number(raw);
	return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : fallback;
}

/** The state a URL asks for; anything malformed falls back to the first page of every account. */
export function readConsole(params: URLSearchParams): ConsoleState {
	const size = Number(params.get('size'));
	return {
		q: (params.get('q') ?? '').trim().slice(0, 320),
		page: positive(params.get('page'), 1),
		size: (PAGE_SIZES as readonly number[]).includes(size) ? size : PAGE_SIZES[0],
		audit: positive(params.get('audit'), 1)
	};
}

/** The URL of a state; defaults are left out, and a new search starts again at page 1. */
export function consoleHref(state: ConsoleState, patch: Partial<ConsoleState> = {}): string {
	const next = { ...state, ...patch };
	if (patch.q !== undefined && patch.q !== state.q) next.page = 1;
	if (patch.size !== undefined && patch.size !== state.size) next.page = 1;
	const params = new URLSearchParams();
	if (next.q) params.set('q', next.q);
	if (next.page > 1) params.set('page', String(next.page));
	if (next.size !== PAGE_SIZES[0]) params.set('size', String(next.size));
	if (next.audit > 1) params.set('audit', String(next.audit));
	const query = params.toString();
	return query ? `/operator?${query}` : '/operator';
}

export function pageCount(total: number, size: number): number {
	return Math.max(1, Math.ceil(total / size));
}

const ACTIONS: Record<string, string> = {
	tenant_disabled: 'Disabled an account',
	tenant_enabled: 'Enabled an account',
	deletions_disabled: 'Stopped every deletion',
	deletions_enabled: 'Let deletions run again',
	tenant_exported: "Downloaded an account's data",
	usage_exported: 'Downloaded the usage figures',
	operator_granted: 'Granted the operator role',
	operator_revoked: 'Revoked the operator role',
	account_created: 'Created an account',
	verification_sent: 'Sent the verification link again'
};

/** An operator audit action in words (an action this version does not know is shown as it is). */
export function actionLabel(action: string): string {
	return ACTIONS[action] ?? action.replaceAll('_', ' ');
}

/** How a sync status reads in the tenants table. */
export function syncTone(status: string | null): { label: string; tone: BadgeVariant } {
	switch (status) {
		case null:
			return { label: 'Never synced', tone: 'outline' };
		case 'complete':
			return { label: 'Complete', tone: 'success' };
		case 'partial':
			return { label: 'Partial', tone: 'warning' };
		case 'failed':
			return { label: 'Failed', tone: 'destructive' };
		case 'queued':
		case 'running':
			return { label: status === 'queued' ? 'Queued' : 'Running', tone: 'default' };
		default:
			return { label: status.charAt(0).toUpperCase() + status.slice(1), tone: 'secondary' };
	}
}
