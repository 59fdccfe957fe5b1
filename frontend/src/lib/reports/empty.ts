/** Why a report has no rows, from what the app already knows (connections, sync runs, filters). */
import type { Source } from './catalog';

export type EmptyReason =
	'no-connection' | 'no-media-server' | 'no-seerr' | 'syncing' | 'no-sync' | 'filtered' | 'nothing';

interface Run {
	status: string;
}

export interface EmptyFacts {
	source: Source;
	/** Kinds of the account's connections (`plex`, `jellyfin`, `jellyseerr`); null if unknown. */
	kinds: readonly string[] | null;
	/** Sync runs, newest first; null if unknown. */
	runs: readonly Run[] | null;
	filtered: boolean;
}

const FINISHED = new Set(['complete', 'partial']);
const ACTIVE = new Set(['queued', 'running']);

function feeds(source: Source, kind: string): boolean {
	if (source === 'any') return true;
	return source === 'seerr' ? kind === 'jellyseerr' : kind !== 'jellyseerr';
}

/** Facts we could not load never produce a claim: the answer falls through to the next check. */
export function emptyReason({ source, kinds, runs, filtered }: EmptyFacts): EmptyReason {
	if (kinds) {
		if (kinds.length === 0) return 'no-connection';
		if (!kinds.some((k) => feeds(source, k)))
			return source === 'seerr' ? 'no-seerr' : 'no-media-server';
	}
	if (runs && !runs.some((r) => FINISHED.has(r.status))) {
		return runs.some((r) => ACTIVE.has(r.status)) ? 'syncing' : 'no-sync';
	}
	return filtered ? 'filtered' : 'nothing';
}
