import { EventEmitter } from 'node:events';
import { status as GrpcStatus, type ServerWritableStream } from '@grpc/grpc-js';
import type { airoutingV1 } from '@brainmesh/contracts';
import { AiError, AiErrorCode } from '../domain/ai-error';
import type { CallUsageInfo, ChatSink, RoutingInfo } from '../services/chat-sink';
import { chatStream } from './ai-rpc';

type Message = airoutingV1.CreateChatCompletionResponse;
type Call = ServerWritableStream<airoutingV1.CreateChatCompletionRequest, Message>;

const INFO: RoutingInfo = { route: 'chat', deployment: 'p/m', cache: 'miss', upstreamModel: 'm' };
const USAGE: CallUsageInfo = { promptTokens: 3, completionTokens: 5, estimated: false, costUsd: 0.5 };

/** A grpc-js server stream stand-in: records what is written and signalled, in order. */
class FakeCall extends EventEmitter {
  constructor(readonly request = { batchChunks: true } as airoutingV1.CreateChatCompletionRequest) {
    super();
    this.on('error', (error: { code?: number }) => this.log.push({ error }));
  }
  /** While true, write() reports a full transport (the caller should wait for 'drain'). */
  full = false;
  readonly log: Array<{ write: Message } | { error: { code?: number } } | 'end'> = [];
  write(message: Message): boolean {
    this.log.push({ write: message });
    return !this.full;
  }
  end(): void {
    this.log.push('end');
  }
  drain(): void {
    this.full = false;
    this.emit('drain');
  }
  get messages(): Message[] {
    return this.log.flatMap((e) => (typeof e === 'object' && 'write' in e ? [e.write] : []));
  }
}

/** Runs `body` as the use case of a chat call; resolves when the call finished. */
function run(body: (sink: ChatSink, signal: AbortSignal) => Promise<void>, batchChunks = true) {
  const call = new FakeCall({ batchChunks } as airoutingV1.CreateChatCompletionRequest);
  let done!: Promise<void>;
  chatStream((_request, sink, signal) => (done = body(sink, signal)))(call as unknown as Call);
  const finished = () => done.catch(() => undefined).then(tick);
  return { call, finished };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A call that never finishes whose transport is full: chunk 'a' was written and the write returned false. */
async function congested() {
  let sink!: ChatSink;
  const { call } = run(async (s) => {
    sink = s;
    await new Promise(() => undefined);
  });
  call.full = true;
  sink.start(INFO);
  await sink.chunk('a'); // not written yet: nothing is known about the transport
  await tick();
  return { call, sink };
}
const text = (m: Message) => m.chunks.map((c) => c.toString());

describe('chatStream', () => {
  it('sends the start, the chunks and the end produced in one tick as ONE message', async () => {
    let settle!: () => void;
    const { call, finished } = run(async (sink) => {
      sink.start(INFO);
      for (let i = 0; i < 14; i++) await sink.chunk(`{"n":${i}}`);
      sink.end(USAGE);
      await new Promise<void>((resolve) => (settle = resolve)); // bookkeeping after the end
    });
    await tick();
    expect(call.messages).toHaveLength(1);
    const [message] = call.messages;
    expect(message!.start).toEqual({ route: 'chat', deployment: 'p/m', cache: 'miss', upstreamModel: 'm' });
    expect(text(message!)).toEqual(Array.from({ length: 14 }, (_, i) => `{"n":${i}}`));
    expect(message!.chunk).toHaveLength(0);
    expect(message!.end).toMatchObject({ promptTokens: 3, completionTokens: 5 });
    expect(call.log).not.toContain('end'); // the answer is out before the bookkeeping ends the call

    settle();
    await finished();
    expect(call.log).toEqual([{ write: message }, 'end']);
  });

  it('sends one chunk per message, in `chunk`, to a caller that does not read `chunks`', async () => {
    const { call, finished } = run(async (sink) => {
      sink.start(INFO);
      for (let i = 0; i < 3; i++) await sink.chunk(`{"n":${i}}`);
      sink.end(USAGE);
    }, false);
    await finished();
    expect(call.messages.map((m) => m.chunk.toString())).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    expect(call.messages.every((m) => m.chunks.length === 0)).toBe(true);
    expect(call.messages[0]!.start).toBeDefined();
    expect(call.messages[2]!.end).toMatchObject({ completionTokens: 5 });
  });

  it('sends chunks of different ticks as separate messages, in order', async () => {
    const { call, finished } = run(async (sink) => {
      sink.start(INFO);
      await sink.chunk('a');
      await sink.chunk('b');
      await tick(); // the next upstream read
      await sink.chunk('c');
      await tick();
      await sink.chunk('d');
      sink.end(USAGE);
    });
    await finished();
    expect(call.messages.map(text)).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(call.messages.map((m) => [!!m.start, !!m.end])).toEqual([
      [true, false],
      [false, false],
      [false, true],
    ]);
    expect(call.log.at(-1)).toBe('end');
  });

  it('flushes at once when a batch exceeds 64 KiB', async () => {
    const big = 'x'.repeat(40 * 1024);
    let sink!: ChatSink;
    const { call } = run(async (s) => {
      sink = s;
      await new Promise(() => undefined);
    });
    sink.start(INFO);
    await sink.chunk(big);
    expect(call.messages).toHaveLength(0);
    await sink.chunk(big);
    expect(call.messages).toHaveLength(1); // synchronously, without waiting for the tick
    expect(call.messages[0]!.chunks).toHaveLength(2);
    await sink.chunk('small');
    await tick();
    expect(call.messages.map(text)[1]).toEqual(['small']);
  });

  it('makes chunk() wait for drain once the transport is full (backpressure)', async () => {
    const { call, sink } = await congested();
    expect(call.messages).toHaveLength(1); // written, and the write returned false

    let resolved = false;
    const next = sink.chunk('b').then(() => (resolved = true));
    await tick();
    expect(resolved).toBe(false);
    call.drain();
    await next;
    expect(resolved).toBe(true);
    await expect(sink.chunk('c')).resolves.toBeUndefined(); // room again: no wait
    expect(call.listenerCount('drain')).toBe(1); // only the sink's own listener is left
  });

  it('rejects a chunk() waiting for drain with Cancelled when the caller cancels, and writes nothing more', async () => {
    const { call, sink } = await congested();
    const waiting = sink.chunk('b');
    call.emit('cancelled');
    await expect(waiting).rejects.toMatchObject({ code: AiErrorCode.Cancelled });
    await expect(sink.chunk('c')).rejects.toBeInstanceOf(AiError);
    await tick();
    expect(call.messages.map(text)).toEqual([['a']]);
  });

  it('flushes the chunks produced before a failure, then sends the error status', async () => {
    const { call, finished } = run(async (sink) => {
      sink.start(INFO);
      await sink.chunk('a');
      await sink.chunk('b');
      throw new AiError(AiErrorCode.UpstreamFailed, 'The upstream broke off.');
    });
    await finished();
    expect(call.log).toHaveLength(2);
    const [first, second] = call.log;
    expect(first).toMatchObject({ write: { start: { route: 'chat' } } });
    expect(text((first as { write: Message }).write)).toEqual(['a', 'b']);
    expect(second).toMatchObject({ error: { code: GrpcStatus.UNAVAILABLE } });
  });

  it('sends nothing more after the caller cancelled', async () => {
    const { call, finished } = run(async (sink, signal) => {
      sink.start(INFO);
      await sink.chunk('a');
      call.emit('cancelled');
      throw signal.reason;
    });
    await finished();
    expect(call.log).toEqual([]);
  });

  it('answers a non-streaming call with one message: start, the whole body and end', async () => {
    const { call, finished } = run(async (sink) => {
      sink.complete(INFO, '{"id":"c1"}', USAGE);
    });
    await finished();
    expect(call.log).toHaveLength(2);
    const [message] = call.messages;
    expect(message!.chunk.toString()).toBe('{"id":"c1"}');
    expect(message!.chunks).toEqual([]);
    expect(message!.start?.route).toBe('chat');
    expect(message!.end?.completionTokens).toBe(5);
    expect(call.log[1]).toBe('end');
  });
});
