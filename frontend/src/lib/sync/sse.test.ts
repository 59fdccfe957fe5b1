import { describe, expect, it } from 'vitest';
import { parseJson, readSse, SseParser } from './sse';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
	const enc = new TextEncoder();
	return new ReadableStream({
		start(c) {
			for (const chunk of chunks) c.enqueue(enc.encode(chunk));
			c.close();
		}
	});
}

describe('SseParser', () => {
	it('parses named events with JSON data', () => {
		const p = new SseParser();
		const out = p.push('event: snapshot\ndata: {"a":1}\n\nevent: progress\ndata: {"b":2}\n\n');
		expect(out).toEqual([
			{ event: 'snapshot', data: '{"a":1}', id: null },
			{ event: 'progress', data: '{"b":2}', id: null }
		]);
	});

	it('buffers messages split across chunks, even mid-line', () => {
		const p = new SseParser();
		expect(p.push('event: prog')).toEqual([]);
		expect(p.push('ress\ndata: {"x"')).toEqual([]);
		expect(p.push(':1}\n')).toEqual([]);
		expect(p.push('\n')).toEqual([{ event: 'progress', data: '{"x":1}', id: null }]);
	});

	it('ignores comments (keep-alives) and joins multi-line data', () => {
		const p = new SseParser();
		const out = p.push(': keep-alive\n\ndata: line 1\ndata: line 2\nid: 7\n\n');
		expect(out).toEqual([{ event: 'message', data: 'line 1\nline 2', id: '7' }]);
	});

	it('accepts CRLF and CR line endings, including CRLF split between chunks', () => {
		const p = new SseParser();
		expect(p.push('event: a\r\ndata: 1\r')).toEqual([]);
		expect(p.push('\n\r\n')).toEqual([{ event: 'a', data: '1', id: null }]);
		expect(p.push('data: 2\r\r')).toEqual([{ event: 'message', data: '2', id: null }]);
	});

	it('keeps a value without the optional space, and fields without a colon', () => {
		const p = new SseParser();
		expect(p.push('data:x\ndata\n\n')).toEqual([{ event: 'message', data: 'x\n', id: null }]);
	});

	it('drops an event with no data and resets the event name', () => {
		const p = new SseParser();
		expect(p.push('event: lonely\n\ndata: y\n\n')).toEqual([
			{ event: 'message', data: 'y', id: null }
		]);
	});
});

describe('readSse', () => {
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
