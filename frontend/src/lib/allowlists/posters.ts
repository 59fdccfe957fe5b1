import { api } from '$lib/api';

/**
 * Posters of synced items, as object URLs. The poster endpoint needs the access token, which an
 * `<img src>` cannot send: the image is fetched with the API client and shown from a blob URL.
 * Each item is fetched once per page load (the answer is also cached by the browser for a day);
 * `null` means there is none (or it could not be fetched): the caller shows a placeholder.
 */
const MAX_KEPT = 200;
const kept = new Map<string, Promise<string | null>>();

async function fetchPoster(connectionId: string, upstreamId: string): Promise<string | null> {
	try {
		const { data, response } = await api.GET(
			'/api/v1/library/items/{connection_id}/{upstream_id}/poster',
			{
				params: { path: { connection_id: connectionId, upstream_id: upstreamId } },
				parseAs: 'blob'
			}
		);
		if (!response.ok || !(data instanceof Blob) || data.size === 0) return null;
		return URL.createObjectURL(data);
	} catch {
		return null;
	}
}

export function posterUrl(connectionId: string, upstreamId: string): Promise<string | null> {
	const key = `${connectionId}/${upstreamId}`;
	let url = kept.get(key);
	if (url === undefined) {
		if (kept.size >= MAX_KEPT) {
			const [oldest, dropped] = kept.entries().next().value as [string, Promise<string | null>];
			kept.delete(oldest);
			void dropped.then((u) => u && URL.revokeObjectURL(u));
		}
		url = fetchPoster(connectionId, upstreamId);
		kept.set(key, url);
	}
	return url;
}
