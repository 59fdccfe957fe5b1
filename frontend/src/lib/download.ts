import { downloadName } from '$lib/allowlists/lists';
import type { Attempt } from '$lib/api/attempt';
import { networkError, toApiError } from '$lib/api/errors';

/** Hand a fetched file to the browser as a download (a plain link cannot carry the Bearer token). */
export function saveBlob(blob: Blob, name: string): void {
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = name;
	document.body.append(a);
	a.click();
	a.remove();
	// Give the browser a moment to start the download before the blob goes away.
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Fetch a file through the typed client (`parseAs: 'blob'`; the Bearer token and refresh-on-401
 * included) and hand it to the browser as a download, named as the server's Content-Disposition says.
 */
export async function fetchDownload(
	call: () => Promise<{ data?: unknown; error?: unknown; response: Response }>,
	fallback: string
): Promise<Attempt<string>> {
	let blob: Blob;
	let name: string;
	try {
		const res = await call();
		if (!res.response.ok || !res.data)
			return { ok: false, error: toApiError(res.error, res.response) };
		blob = res.data as Blob;
		name = downloadName(res.response.headers.get('Content-Disposition'), fallback);
	} catch {
		return { ok: false, error: networkError() };
	}
	saveBlob(blob, name);
	return { ok: true, value: name };
}
