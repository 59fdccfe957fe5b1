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
