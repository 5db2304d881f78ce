import { type SseEvent, SseParser, readSse } from './sse';

function parseAll(chunks: Array<Uint8Array | string>): SseEvent[] {
  const parser = new SseParser();
  const events = chunks.flatMap((c) => parser.push(c));
  return [...events, ...parser.end()];
}

const encoder = new TextEncoder();

describe('SseParser', () => {
  const text =
    ': comment\n' +
    'data: {"a":1}\n\n' +
    'event: content_block_delta\ndata: {"b":"é✓😀"}\n\n' +
    'data: line one\ndata: line two\n\n' +
    'id: 7\ndata:no-space\n\n' +
    'retry: 100\nevent: ignored-without-data\n\n' +
    'data: [DONE]\n\n';
  const expected: SseEvent[] = [
    { event: 'message', data: '{"a":1}' },
    { event: 'content_block_delta', data: '{"b":"é✓😀"}' },
    { event: 'message', data: 'line one\nline two' },
    { event: 'message', data: 'no-space', id: '7' },
    { event: 'message', data: '[DONE]', id: '7' },
  ];

  it('parses events, names, multi-line data, ids and comments', () => {
    expect(parseAll([text])).toEqual(expected);
  });

  it('gives the same events however the bytes are split (inside UTF-8 sequences too)', () => {
    const bytes = encoder.encode(text);
    for (let size = 1; size <= 7; size++) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(parseAll(chunks)).toEqual(expected);
    }
  });

  it('accepts CRLF and CR line endings, also split between chunks', () => {
    const crlf = text.replace(/\n/g, '\r\n');
    expect(parseAll([crlf])).toEqual(expected);
    const bytes = encoder.encode(crlf);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
    expect(parseAll(chunks)).toEqual(expected);
    expect(parseAll([text.replace(/\n/g, '\r')])).toEqual(expected);
  });

  it('returns events as soon as their blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('data: x')).toEqual([]);
    expect(parser.push('\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('delivers a last event without its blank line at end(), and nothing for an empty stream', () => {
    const parser = new SseParser();
    expect(parser.push('data: {"partial":')).toEqual([]);
    expect(parser.end()).toEqual([{ event: 'message', data: '{"partial":' }]);
    expect(parseAll([])).toEqual([]);
  });

  it('readSse iterates an async byte stream and returns the source when stopped early', async () => {
    let returned = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield encoder.encode('data: 1\n\ndata: 2\n\n');
        yield encoder.encode('data: 3\n\n');
      } finally {
        returned = true;
      }
    }
    const seen: string[] = [];
    for await (const event of readSse(source())) {
      seen.push(event.data);
      if (event.data === '2') break;
    }
    expect(seen).toEqual(['1', '2']);
    expect(returned).toBe(true);
  });
});
