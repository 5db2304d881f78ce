import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { Agent, type Dispatcher } from 'undici';
import { classifyTransportError, type ResponseHeaders } from '../providers/http-errors';
import { UpstreamError } from '../domain/upstream';

/** Injection token of {@link UpstreamHttpOptions} (optional; defaults suit production). */
export const UPSTREAM_HTTP_OPTIONS = Symbol('UPSTREAM_HTTP_OPTIONS');

/** Tuning of the shared connection pool. */
export interface UpstreamHttpOptions {
  /** Concurrent connections per upstream origin (default 256); requests beyond wait in the pool. */
  connectionsPerOrigin?: number;
  /** Idle keep-alive when the upstream sends no `Keep-Alive: timeout` hint (default 10 s). */
  keepAliveTimeoutMs?: number;
  /** TCP+TLS connect timeout (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * Safety nets only (default 300 s each): the caller's signal carries the real attempt timeout.
   * `bodyTimeoutMs` is the longest silence between two body chunks (streams included).
   */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

/** One outbound request. */
export interface UpstreamHttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers: Readonly<Record<string, string>>;
  /** Already serialized (JSON). */
  body?: string;
  /** Aborting it tears the request (and its connection) down, also while the body is being read. */
  signal: AbortSignal;
}

/**
 * A response body. Iterate it (once) or call `text()`; a body that is neither fully read nor
 * destroyed keeps its connection busy until the request's signal aborts, so callers that give up
 * early call `destroy()` (breaking out of the iteration does it too).
 */
export interface UpstreamBody extends AsyncIterable<Uint8Array> {
  text(): Promise<string>;
  destroy(): void;
}

/** Status, headers and the (unread) body of an upstream answer. */
export interface UpstreamHttpResponse {
  status: number;
  headers: ResponseHeaders;
  body: UpstreamBody;
}

type BodyStream = Dispatcher.ResponseData['body'];

function wrapBody(stream: BodyStream, signal: AbortSignal, what: string): UpstreamBody {
  const destroy = () => {
    if (!stream.destroyed) stream.destroy();
  };
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const chunk of stream) yield chunk as Uint8Array;
      } catch (err) {
        throw classifyTransportError(err, signal, what);
      } finally {
        // Early exit (break, throw, abort): the rest of the body is unwanted, free the socket.
        destroy();
      }
    },
    async text() {
      try {
        return await stream.text();
      } catch (err) {
        throw classifyTransportError(err, signal, what);
      }
    },
    destroy,
  };
}

/**
 * All outbound HTTP of ai-routing (provider APIs): one undici connection pool with keep-alive,
 * many connections per origin and no pipelining (a slow stream never blocks another request).
 * Failures are {@link UpstreamError}s: `connection` for network/socket errors, `cancelled` when the
 * request's signal aborted (the caller, owning the attempt timer, tells timeouts apart). Request
 * headers (API keys) never appear in errors: messages carry only the origin and path.
 */
@Injectable()
export class UpstreamHttpRepository implements OnModuleDestroy {
  private readonly agent: Agent;
  /** Requests from send until their body is done (read, destroyed or failed). */
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly settle = (): void => {
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiters.length > 0)
      for (const resolve of this.idleWaiters.splice(0)) resolve();
  };

  constructor(@Optional() @Inject(UPSTREAM_HTTP_OPTIONS) options?: UpstreamHttpOptions) {
    const o = options ?? {};
    this.agent = new Agent({
      connections: o.connectionsPerOrigin ?? 256,
      pipelining: 1,
      keepAliveTimeout: o.keepAliveTimeoutMs ?? 10_000,
      keepAliveMaxTimeout: 600_000,
      connect: { timeout: o.connectTimeoutMs ?? 10_000 },
      headersTimeout: o.headersTimeoutMs ?? 300_000,
      bodyTimeout: o.bodyTimeoutMs ?? 300_000,
    });
  }

  /**
   * Sends the request and resolves at the response head (any status: classifying non-2xx is the
   * adapter's job). Rejects with `UpstreamError` `connection` / `cancelled` (see class doc).
   */
  async request(request: UpstreamHttpRequest): Promise<UpstreamHttpResponse> {
    const { signal } = request;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (err) {
      throw new UpstreamError('connection', 'invalid upstream URL', { cause: err });
    }
    const method = request.method ?? 'POST';
    const what = `${method} ${url.origin}${url.pathname}`;
    if (signal.aborted) throw classifyTransportError(signal.reason, signal, what);
    this.inFlight++;
    try {
      const response = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers: request.headers,
        body: request.body,
        signal,
      });
      // Emitted once the body ended, was destroyed or failed.
      response.body.once('close', this.settle);
      return {
        status: response.statusCode,
        headers: response.headers,
        body: wrapBody(response.body, signal, what),
      };
    } catch (err) {
      this.settle();
      throw classifyTransportError(err, signal, what);
    }
  }

  /**
   * Closes the pool: waits up to `graceMs` for in-flight requests (bodies included) to finish,
   * then destroys every connection; later requests fail with `connection`.
   */
  async close(graceMs = 5_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.agent.destroy();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }
}
