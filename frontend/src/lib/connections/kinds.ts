export const KIND_LABEL: Record<string, string> = {
	plex: 'Plex',
	jellyfin: 'Jellyfin',
	jellyseerr: 'Jellyseerr'
};

export function kindLabel(kind: string): string {
	return KIND_LABEL[kind] ?? kind;
}

export const LIBRARY_KIND_LABEL: Record<string, string> = {
	movie: 'Movies',
	show: 'TV shows',
	music: 'Music',
	other: 'Other'
};
