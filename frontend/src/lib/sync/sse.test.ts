import { describe, expect, it } from 'vitest';
import { parseJson, readSse } from './sse';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
	const enc = new TextEncoder();
	return new ReadableStream({
		start(c) {
			for (const chunk of chunks) c.enqueue(enc.encode(chunk));
			c.close();
		}
	});
}

async function read(chunks: string[]) {
	const seen = [];
	for await (const m of readSse(streamOf(chunks))) seen.push(m);
	return seen;
}

describe('readSse', () => {
	it('reads the events the API sends: named, JSON data, keep-alive comments between them', async () => {
		expect(
			await read([
				'event: snapshot\ndata: null\n\n: ping - 2026-12-05 13:00:00\n\n',
				'event: progress\r\ndata: {"b":2}\r\n\r\n'
			])
		).toEqual([
			{ event: 'snapshot', data: 'null', id: null },
			{ event: 'progress', data: '{"b":2}', id: null }
		]);
	});

	it('joins multi-line data, keeps ids, names unnamed events "message"', async () => {
		expect(await read(['data: line 1\ndata: line 2\nid: 7\n\n'])).toEqual([
			{ event: 'message', data: 'line 1\nline 2', id: '7' }
		]);
	});

	it('handles a CRLF split between chunks and bare CR line endings', async () => {
		expect(await read(['event: a\r\ndata: 1\r', '\n\r\n', 'data: 2\r\r', 'data: 3\n\n'])).toEqual([
			{ event: 'a', data: '1', id: null },
			{ event: 'message', data: '2', id: null },
			{ event: 'message', data: '3', id: null }
		]);
	});

	it('yields messages from a byte stream', async () => {
		const body = streamOf(['event: snapshot\nda', 'ta: null\n\n', 'event: progress\ndata: {}\n\n']);
		const seen = [];
		for await (const m of readSse(body)) seen.push(m.event);
		expect(seen).toEqual(['snapshot', 'progress']);
	});

	it('decodes multi-byte characters split across chunks', async () => {
		const bytes = new TextEncoder().encode('data: café\n\n');
		const body = new ReadableStream<Uint8Array>({
			start(c) {
				c.enqueue(bytes.slice(0, 9));
				c.enqueue(bytes.slice(9));
				c.close();
			}
		});
		const seen: string[] = [];
		for await (const m of readSse(body)) seen.push(m.data);
		expect(seen).toEqual(['café']);
	});

	it('stops when the signal aborts', async () => {
		const ctrl = new AbortController();
		const body = new ReadableStream<Uint8Array>({
			start(c) {
				c.enqueue(new TextEncoder().encode('data: 1\n\n'));
				// never closes
			}
		});
		const seen: string[] = [];
		for await (const m of readSse(body, ctrl.signal)) {
			seen.push(m.data);
			ctrl.abort();
		}
		expect(seen).toEqual(['1']);
	});
});

describe('parseJson', () => {
	it('returns undefined for garbage', () => {
		expect(parseJson('{')).toBeUndefined();
		expect(parseJson('{"a":1}')).toEqual({ a: 1 });
	});
});
