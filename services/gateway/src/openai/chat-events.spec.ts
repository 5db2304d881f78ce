import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import type { airoutingV1 } from '@brainmesh/contracts';
import { encodeProblem, PROBLEM_METADATA_KEY } from '@brainmesh/grpc';
import { ProblemException } from '@brainmesh/runtime';
import { collectChatEvents, streamChatEvents, type StreamChatOptions } from './chat-events';
import type { ResponseHeaders, SseSink } from './sse-writer';

type Event = airoutingV1.CreateChatCompletionResponse;

const START: airoutingV1.RoutingInfo = {
  route: 'chat',
  deployment: 'mock/gpt-4o-mini',
  cache: 'miss',
  upstreamModel: 'gpt-4o-mini',
};
const USAGE: airoutingV1.CallUsage = {
  promptTokens: 3,
  completionTokens: 5,
  estimated: false,
  costUsd: 0.00012,
};

const chunk = (i: number): Buffer =>
  Buffer.from(
    JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ delta: { content: `t${i}` } }] }),
  );

/** An event as grpc-js decodes it (absent fields have their defaults). */
const ev = (event: Partial<Event>): Event => ({ chunk: Buffer.alloc(0), chunks: [], ...event });

/** A grpc-js-like object stream: pause/resume are observable. */
function source() {
  const stream = new PassThrough({ objectMode: true, highWaterMark: 4 });
  const pause = jest.spyOn(stream, 'pause');
  const resume = jest.spyOn(stream, 'resume');
  return { stream, pause, resume };
}

/** A ServerResponse stand-in whose socket buffer is "full" while `full` is true. */
class FakeSink extends EventEmitter implements SseSink {
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  status?: number;
  headers?: ResponseHeaders;
  full = false;
  readonly writes: string[] = [];

  writeHead(status: number, headers: ResponseHeaders): this {
    this.status = status;
    this.headers = headers;
    this.headersSent = true;
    return this;
  }
  flushHeaders(): void {}
  write(data: Buffer): boolean {
    if (!this.headersSent) this.headersSent = true;
    this.writes.push(data.toString());
    return !this.full;
  }
  end(): this {
    this.writableEnded = true;
    return this;
  }
  drain(): void {
    this.full = false;
    this.emit('drain');
  }
  get body(): string {
    return this.writes.join('');
  }
}

function options(overrides: Partial<StreamChatOptions> = {}): StreamChatOptions & { opened: jest.Mock } {
  const opened = jest.fn();
  return {
    headers: (start) => ({ 'x-request-id': 'r1', 'x-brainmesh-route': start?.route ?? '' }),
    onOpen: opened,
    cancelled: () => false,
    opened,
    ...overrides,
  };
}

const grpcError = (code: GrpcStatus, details: string, problem?: object) => {
  const metadata = new Metadata();
  if (problem) metadata.set(PROBLEM_METADATA_KEY, encodeProblem(problem));
  return Object.assign(new Error(details), { code, details, metadata });
};

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('streamChatEvents', () => {
  it('opens with 200 and event-stream headers on the first event, relays chunks, ends with [DONE]', async () => {
    const { stream } = source();
    const sink = new FakeSink();
    const opts = options();
    const done = streamChatEvents(stream, sink, opts);
    stream.write({ start: START, chunk: Buffer.alloc(0), chunks: [] } satisfies Event);
    stream.write({ chunk: chunk(1), chunks: [] } satisfies Event);
    stream.write({ chunk: chunk(2), chunks: [] } satisfies Event);
    stream.end({ chunk: Buffer.alloc(0), chunks: [], end: USAGE } satisfies Event);

    await expect(done).resolves.toEqual(USAGE);
    expect(opts.opened).toHaveBeenCalledTimes(1);
    expect(sink.status).toBe(200);
    expect(sink.headers).toEqual({
      'x-request-id': 'r1',
      'x-brainmesh-route': 'chat',
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    expect(sink.body).toBe(
      `data: ${chunk(1).toString()}\n\ndata: ${chunk(2).toString()}\n\ndata: [DONE]\n\n`,
    );
    expect(sink.writableEnded).toBe(true);
  });

  it('writes the chunks of one batched event in ONE write, `chunk` first, then `chunks` in order', async () => {
    const { stream } = source();
    const sink = new FakeSink();
    const done = streamChatEvents(stream, sink, options());
    stream.write(ev({ start: START, chunk: chunk(0), chunks: [chunk(1), chunk(2), chunk(3)] }));
    await tick();
    expect(sink.writes).toEqual([[0, 1, 2, 3].map((i) => `data: ${chunk(i).toString()}\n\n`).join('')]);
    stream.write(ev({ chunks: [chunk(4), chunk(5)] }));
    await tick();
    expect(sink.writes).toHaveLength(2);
    expect(sink.writes[1]).toBe(`data: ${chunk(4).toString()}\n\ndata: ${chunk(5).toString()}\n\n`);
    stream.end();
    await expect(done).resolves.toBeUndefined();
  });

  it('writes the chunks of the event bringing `end` at once and [DONE] when the call ends', async () => {
    const { stream } = source();
    const sink = new FakeSink();
    const done = streamChatEvents(stream, sink, options());
    stream.write(ev({ start: START, chunks: [chunk(1), chunk(2)], end: USAGE }));
    await tick();
    expect(sink.writes).toEqual([`data: ${chunk(1).toString()}\n\ndata: ${chunk(2).toString()}\n\n`]);
    expect(sink.writableEnded).toBe(false); // the response ends with the call, not before
    stream.end();
    await expect(done).resolves.toEqual(USAGE);
    expect(sink.writes).toEqual([
      `data: ${chunk(1).toString()}\n\ndata: ${chunk(2).toString()}\n\n`,
      'data: [DONE]\n\n',
    ]);
    expect(sink.writableEnded).toBe(true);
  });

  it('completes the stream when the call fails after `end` (the bookkeeping), reporting it', async () => {
    const { stream } = source();
    const sink = new FakeSink();
    const lateError = jest.fn();
    const done = streamChatEvents(stream, sink, options({ onLateError: lateError }));
    stream.write(ev({ start: START, chunks: [chunk(1)], end: USAGE }));
    await tick();
    stream.emit('error', grpcError(GrpcStatus.UNAVAILABLE, 'settle failed'));
    await expect(done).resolves.toEqual(USAGE);
    expect(sink.writes).toEqual([`data: ${chunk(1).toString()}\n\n`, 'data: [DONE]\n\n']);
    expect(lateError).toHaveBeenCalledTimes(1);
  });

  it('pauses the gRPC stream while the socket buffer is full and resumes on drain', async () => {
    const { stream, pause, resume } = source();
    const sink = new FakeSink();
    const done = streamChatEvents(stream, sink, options());
    stream.write(ev({ start: START, chunk: chunk(0) }));
    await tick();
    expect(sink.writes).toHaveLength(1);

    sink.full = true;
    stream.write(ev({ chunk: chunk(1) }));
    await tick();
    expect(pause).toHaveBeenCalledTimes(1);
    expect(sink.writes).toHaveLength(2);

    // While paused, nothing more is written however much arrives (it waits in the stream's buffer).
    for (let i = 2; i < 6; i++) stream.write(ev({ chunk: chunk(i) }));
    await tick();
    expect(sink.writes).toHaveLength(2);
    expect(sink.listenerCount('drain')).toBe(1);

    sink.drain();
    await tick();
    expect(resume).toHaveBeenCalled();
    expect(sink.writes).toHaveLength(6);
    stream.end();
    await done;
    expect(sink.body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(sink.listenerCount('drain')).toBe(0);
  });

  it('rejects with the gRPC error when the call fails before anything was written', async () => {
    const { stream } = source();
    const sink = new FakeSink();
    const opts = options();
    const done = streamChatEvents(stream, sink, opts);
    const error = grpcError(GrpcStatus.NOT_FOUND, 'no route gpt-x');
    stream.emit('error', error);
    await expect(done).rejects.toBe(error);
    expect(opts.opened).not.toHaveBeenCalled();
    expect(sink.headersSent).toBe(false);
  });

  it('ends a started stream with one OpenAI error event when the call fails midway', async () => {
    const { stream } = source();
    const sink = new FakeSink();
    const lateError = jest.fn();
    const done = streamChatEvents(stream, sink, options({ onLateError: lateError }));
    stream.write(ev({ start: START, chunk: chunk(1) }));
    await tick();
    stream.emit(
      'error',
      grpcError(GrpcStatus.UNAVAILABLE, 'upstream failed', {
        status: 502,
        detail: 'Every deployment failed.',
      }),
    );
    await done;
    const events = sink.body.split('\n\n').filter(Boolean);
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[1]!.slice('data: '.length))).toEqual({
      error: { message: 'Every deployment failed.', type: 'api_error', param: null, code: null },
    });
    expect(sink.body).not.toContain('[DONE]');
    expect(sink.writableEnded).toBe(true);
    expect(lateError).toHaveBeenCalledWith(expect.any(Error), 502);
  });

  it('ends quietly when the call was cancelled because the client left', async () => {
    const { stream } = source();
    const sink = new FakeSink();
    let cancelled = false;
    const done = streamChatEvents(stream, sink, options({ cancelled: () => cancelled }));
    stream.write(ev({ start: START, chunk: chunk(1) }));
    await tick();
    cancelled = true;
    stream.emit('error', grpcError(GrpcStatus.CANCELLED, 'Cancelled on client'));
    await done;
    expect(sink.body).toBe(`data: ${chunk(1).toString()}\n\n`);
    expect(sink.writableEnded).toBe(true);
  });

  it('answers 502 when the call ends without any event', async () => {
    const { stream } = source();
    const done = streamChatEvents(stream, new FakeSink(), options());
    stream.end();
    await expect(done).rejects.toBeInstanceOf(ProblemException);
    await expect(done).rejects.toMatchObject({ problem: { status: 502 } });
  });
});

describe('collectChatEvents', () => {
  it('returns routing, the response bytes as sent and the usage of a non-streaming call', async () => {
    const { stream } = source();
    const body = Buffer.from('{"id":"c1","object":"chat.completion","choices":[]}');
    const collected = collectChatEvents(stream);
    stream.end(ev({ start: START, chunk: body, end: USAGE }));
    await expect(collected).resolves.toEqual({ start: START, body, end: USAGE });
  });

  it('joins `chunk` and `chunks` in order, and answers once `end` came without waiting for the call end', async () => {
    const { stream } = source();
    const collected = collectChatEvents(stream);
    stream.write(
      ev({ start: START, chunk: Buffer.from('{"a":'), chunks: [Buffer.from('1,'), Buffer.from('"b":')] }),
    );
    stream.write(ev({ chunks: [Buffer.from('2}')], end: USAGE }));
    await expect(collected).resolves.toEqual({
      start: START,
      body: Buffer.from('{"a":1,"b":2}'),
      end: USAGE,
    });
  });

  it('rejects with the gRPC error, and with 502 when no body came', async () => {
    const failing = source().stream;
    const failed = collectChatEvents(failing);
    const error = grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'slow down');
    failing.emit('error', error);
    await expect(failed).rejects.toBe(error);

    const empty = source().stream;
    const nothing = collectChatEvents(empty);
    empty.end(ev({ start: START, chunk: Buffer.alloc(0), end: USAGE }));
    await expect(nothing).rejects.toMatchObject({ problem: { status: 502 } });
  });
});
