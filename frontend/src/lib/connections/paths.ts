import type { PathMappings } from '$lib/api/types';

type Shared = PathMappings['shared_with'];

const files = (n: number) => `${n.toLocaleString('en')} file${n === 1 ? '' : 's'}`;

/** One sentence on which other servers hold the same files as this one. */
export function sharedSummary(shared: Shared): string {
	if (shared.length === 0) return 'No other server holds the same files (as of the last sync).';
	return shared
		.map((s) => {
			const how =
				s.by_path === s.files
					? 'all by path'
					: s.by_path === 0
						? 'by size, duration and title'
						: `${s.by_path.toLocaleString('en')} by path`;
			return `${files(s.files)} in common with ${s.name} (${how})`;
		})
		.join('; ')
		.concat('.');
}
