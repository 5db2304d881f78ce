import { PassThrough } from 'node:stream';
import { sseEvent, sseEvents, SseWriter, type ResponseHeaders, type SseSink } from './sse-writer';

describe('sseEvent', () => {
  it('frames a one-line payload as one data line and a blank line', () => {
    expect(sseEvent('{"a":1}').toString()).toBe('data: {"a":1}\n\n');
    expect(sseEvent(Buffer.from('[DONE]')).toString()).toBe('data: [DONE]\n\n');
  });

  it('splits a payload spanning lines into one data line per line (any line ending)', () => {
    expect(sseEvent('{\n"a": 1,\r\n"b": 2\r}').toString()).toBe(
      'data: {\ndata: "a": 1,\ndata: "b": 2\ndata: }\n\n',
    );
  });
});

describe('sseEvents', () => {
  it('frames several payloads as consecutive events in one buffer, multi-line ones included', () => {
    expect(sseEvents([Buffer.from('{"a":1}'), '{"b":\n2}', Buffer.from('{"c":3}')]).toString()).toBe(
      'data: {"a":1}\n\ndata: {"b":\ndata: 2}\n\ndata: {"c":3}\n\n',
    );
    expect(sseEvents([])).toHaveLength(0);
  });
});

/** A real Writable as the socket, with the ServerResponse bits the writer needs. */
class Sink extends PassThrough implements SseSink {
  headersSent = false;
  status?: number;
  headers?: ResponseHeaders;
  private readonly chunks: Buffer[] = [];

  constructor() {
    super();
    this.on('data', (c: Buffer) => this.chunks.push(c));
  }
  writeHead(status: number, headers: ResponseHeaders): this {
    this.headersSent = true;
    this.status = status;
    this.headers = headers;
    return this;
  }
  flushHeaders(): void {}
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}
const sink = () => new Sink();

describe('SseWriter', () => {
  it('writes headers, events and [DONE], then ignores anything after the end', async () => {
    const out = sink();
    const writer = new SseWriter(out);
    expect(writer.opened).toBe(false);
    writer.open({ 'x-brainmesh-route': 'chat', 'content-type': 'application/json' });
    expect(writer.opened).toBe(true);
    expect(out.headers!['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(out.headers!['x-brainmesh-route']).toBe('chat');
    writer.data('{"n":1}');
    writer.done();
    writer.data('{"n":2}');
    writer.fail({ message: 'late', type: 'api_error', param: null, code: null });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.closed).toBe(true);
    expect(out.text()).toBe('data: {"n":1}\n\ndata: [DONE]\n\n');
  });

  it('writes the events of one batch, and the last ones with [DONE], in one write each', async () => {
    const out = sink();
    const write = jest.spyOn(out, 'write');
    const writer = new SseWriter(out);
    writer.open({});
    writer.data([Buffer.from('{"n":1}'), Buffer.from('{"n":2}')]);
    writer.done([Buffer.from('{"n":3}')]);
    expect(write).toHaveBeenCalledTimes(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\ndata: [DONE]\n\n');
    expect(writer.closed).toBe(true);
  });

  it('reports a full buffer so the caller can wait for drain', () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const writer = new SseWriter(
      Object.assign(out, { headersSent: true, writeHead: () => out, flushHeaders() {} }),
    );
    expect(writer.data('{"long":"0123456789abcdef"}')).toBe(false);
  });

  it('ends with one error event in OpenAI shape', async () => {
    const out = sink();
    const writer = new SseWriter(out);
    writer.open({});
    writer.fail({
      message: 'Budget exhausted.',
      type: 'insufficient_quota',
      param: null,
      code: 'budget_exceeded',
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toBe(
      'data: {"error":{"message":"Budget exhausted.","type":"insufficient_quota","param":null,"code":"budget_exceeded"}}\n\n',
    );
  });
});
