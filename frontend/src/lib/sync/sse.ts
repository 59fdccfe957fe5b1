/**
 * A small server-sent-events parser (the parts of the WHATWG algorithm the API uses: `event`,
 * `data` (possibly multi-line), `id`, comments, any line ending). `EventSource` cannot send the
 * Bearer token, so the stream is read with `fetch` and fed to this parser chunk by chunk.
 */

export interface SseMessage {
	event: string;
	data: string;
	id: string | null;
}

export class SseParser {
	#buffer = '';
	#event = '';
	#data: string[] = [];
	#id: string | null = null;
	#sawCr = false;

	/** Feed decoded text; returns the messages completed by it. */
	push(chunk: string): SseMessage[] {
		const out: SseMessage[] = [];
		let text = chunk;
		// A "\r\n" split across two chunks: the "\n" belongs to the line already ended by "\r".
		if (this.#sawCr && text.startsWith('\n')) text = text.slice(1);
		this.#sawCr = false;
		this.#buffer += text;

		let start = 0;
		for (let i = 0; i < this.#buffer.length; i++) {
			const ch = this.#buffer[i];
			if (ch !== '\n' && ch !== '\r') continue;
			this.#line(this.#buffer.slice(start, i), out);
			if (ch === '\r') {
				if (i + 1 < this.#buffer.length) {
					if (this.#buffer[i + 1] === '\n') i++;
				} else {
					this.#sawCr = true;
				}
			}
			start = i + 1;
		}
		this.#buffer = this.#buffer.slice(start);
		return out;
	}

	#line(line: string, out: SseMessage[]): void {
		if (line === '') {
			if (this.#data.length > 0) {
				out.push({ event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id });
			}
			this.#event = '';
			this.#data = [];
			return;
		}
		if (line.startsWith(':')) return; // comment / keep-alive
		const colon = line.indexOf(':');
		const field = colon === -1 ? line : line.slice(0, colon);
		let value = colon === -1 ? '' : line.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		if (field === 'event') this.#event = value;
		else if (field === 'data') this.#data.push(value);
		else if (field === 'id' && !value.includes('\0')) this.#id = value;
	}
}

/** Read a byte stream as SSE messages until it ends or `signal` aborts. */
export async function* readSse(
	body: ReadableStream<Uint8Array>,
	signal?: AbortSignal
): AsyncGenerator<SseMessage> {
	const reader = body.getReader();
	const decoder = new TextDecoder();
	const parser = new SseParser();
	const onAbort = () => void reader.cancel().catch(() => undefined);
	signal?.addEventListener('abort', onAbort, { once: true });
	try {
		while (!signal?.aborted) {
			const { done, value } = await reader.read();
			if (done) break;
			yield* parser.push(decoder.decode(value, { stream: true }));
		}
	} finally {
		signal?.removeEventListener('abort', onAbort);
		reader.releaseLock();
	}
}

/** JSON.parse that returns undefined instead of throwing. */
export function parseJson(data: string): unknown {
	try {
		return JSON.parse(data);
	} catch {
		return undefined;
	}
}
