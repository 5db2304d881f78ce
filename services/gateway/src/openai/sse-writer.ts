import type { OpenAiError } from './openai-error';

/** Response headers by lower-case name (Fastify's `reply.getHeaders()` shape). */
export type ResponseHeaders = Record<string, string | number | string[] | undefined>;

/** The part of a Node `ServerResponse` the SSE writer uses. */
export interface SseSink {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  writeHead(status: number, headers: ResponseHeaders): unknown;
  flushHeaders(): void;
  write(chunk: Buffer): boolean;
  end(): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  /** Node streams: buffer writes until `uncork` (events arriving together leave in one packet). */
  cork?(): void;
  uncork?(): void;
  removeListener(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Headers of every event stream (no caching, no proxy buffering). */
export const SSE_HEADERS: Readonly<ResponseHeaders> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

const DATA = Buffer.from('data: ');
const EVENT_END = Buffer.from('\n\n');
const NEWLINE = Buffer.from('\n');
const DONE = Buffer.from('data: [DONE]\n\n');

/** The parts of one `data:` event; a payload spanning lines becomes one `data:` line per line. */
function eventParts(payload: Buffer | string): Buffer[] {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (!bytes.includes(0x0a) && !bytes.includes(0x0d)) return [DATA, bytes, EVENT_END];
  const lines = bytes.toString('utf8').split(/\r\n|\r|\n/);
  return [...lines.flatMap((line) => [DATA, Buffer.from(line), NEWLINE]), NEWLINE];
}

/** One `data:` event; a payload spanning lines becomes one `data:` line per line (SSE framing). */
export function sseEvent(payload: Buffer | string): Buffer {
  return Buffer.concat(eventParts(payload));
}

/** Several `data:` events in one buffer (one write), in order. */
export function sseEvents(payloads: readonly (Buffer | string)[]): Buffer {
  return Buffer.concat(payloads.flatMap(eventParts));
}

/**
 * Writes an OpenAI-style server-sent event stream: `data: <json>` events, then `data: [DONE]`, or
 * one `data: {"error": …}` event when the stream fails after it started.
 */
export class SseWriter {
  private corked = false;

  constructor(private readonly sink: SseSink) {}

  /** True once the status line and headers are written. */
  get opened(): boolean {
    return this.sink.headersSent;
  }

  /** True when nothing more can be written (ended or the client went away). */
  get closed(): boolean {
    return this.sink.writableEnded || this.sink.destroyed;
  }

  /** Sends 200 and the event-stream headers (plus `headers`) at once, before any event. */
  open(headers: ResponseHeaders): void {
    this.sink.writeHead(200, { ...headers, ...SSE_HEADERS });
    this.sink.flushHeaders();
  }

  /**
   * Writes one event, or several in one write (the chunks of one gRPC message); false when the
   * socket buffer is full and the caller should wait for `drain`.
   */
  data(payload: Buffer | string | readonly Buffer[]): boolean {
    if (this.closed) return true;
    // Events that arrive in the same tick (an upstream packet holds several) go out in one write
    // instead of one syscall and packet each.
    if (!this.corked && this.sink.cork && this.sink.uncork) {
      this.corked = true;
      this.sink.cork();
      process.nextTick(() => {
        this.corked = false;
        this.sink.uncork?.();
      });
    }
    const bytes =
      typeof payload === 'string' || Buffer.isBuffer(payload) ? sseEvent(payload) : sseEvents(payload);
    return this.sink.write(bytes);
  }

  /** Ends the stream the way OpenAI does: the last events (if any) and `data: [DONE]` in one write. */
  done(last: readonly Buffer[] = []): void {
    if (this.closed) return;
    this.sink.write(last.length > 0 ? Buffer.concat([...last.flatMap(eventParts), DONE]) : DONE);
    this.sink.end();
  }

  /** Ends the stream with one error event (OpenAI SDKs raise it as an APIError). */
  fail(error: OpenAiError): void {
    if (this.closed) return;
    this.sink.write(sseEvent(JSON.stringify({ error })));
    this.sink.end();
  }

  /** Ends the response without a final event (the client is gone or the call was cancelled). */
  abort(): void {
    if (!this.closed) this.sink.end();
  }
}
