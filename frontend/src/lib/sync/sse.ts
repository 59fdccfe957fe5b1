/**
 * Server-sent events over `fetch`: `EventSource` cannot send the Bearer token, so the API client
 * makes the request (token, refresh on 401) and the body is parsed by `eventsource-parser`, the
 * maintained WHATWG-conformant parser (comments and keep-alives, multi-line data, any line ending).
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';

export interface SseMessage {
	/** The event name; `message` when the server named none. */
	event: string;
	data: string;
	id: string | null;
}

/** Read a byte stream as SSE messages until it ends or `signal` aborts. */
export async function* readSse(
	body: ReadableStream<Uint8Array>,
	signal?: AbortSignal
): AsyncGenerator<SseMessage> {
	// TextDecoderStream's writable side takes any BufferSource; TypeScript's lib wants it spelled out.
	const decoder = new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>;
	const reader = body.pipeThrough(decoder).pipeThrough(new EventSourceParserStream()).getReader();
	const onAbort = () => void reader.cancel().catch(() => undefined);
	signal?.addEventListener('abort', onAbort, { once: true });
	try {
		while (!signal?.aborted) {
			const { done, value } = await reader.read();
			if (done) break;
			yield { event: value.event || 'message', data: value.data, id: value.id ?? null };
		}
	} finally {
		signal?.removeEventListener('abort', onAbort);
		await reader.cancel().catch(() => undefined);
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
