import type { Logger } from '@brainmesh/logging';
import Redis from 'ioredis';

/** How {@link RedisConnection} talks to Redis. Every field has a default suited to the request path. */
export interface RedisConnectionOptions {
  /** A command slower than this fails (and the store using it falls back or misses). */
  commandTimeoutMs?: number;
  /** How long one TCP connect attempt may take. */
  connectTimeoutMs?: number;
  /** Upper bound of the reconnect backoff (attempt × 100 ms, capped here). */
  maxReconnectDelayMs?: number;
  /** Connection errors are logged here, at most once per `warnIntervalMs`. */
  logger?: Logger;
  warnIntervalMs?: number;
}

/**
 * The one ioredis client ai-routing shares between the admission store and the response cache.
 *
 * Why these settings: both users sit on the request path and both have an answer when Redis is
 * away (a per-replica fallback, a cache miss), so a command must fail fast instead of waiting for
 * Redis: commands are never queued while disconnected (`enableOfflineQueue: false`), never retried
 * (`maxRetriesPerRequest: 0`) and time out after `commandTimeoutMs`. The client connects lazily
 * (`lazyConnect`): nothing happens at construction, {@link connect} (or the first
 * {@link ensureConnecting} from a store) starts it, and it then reconnects forever with a capped
 * backoff.
 */
export class RedisConnection {
  readonly client: Redis;
  private readonly logger?: Logger;
  private readonly warnIntervalMs: number;
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;
  private connecting?: Promise<void>;
  private closed = false;

  constructor(url: string, options: RedisConnectionOptions = {}) {
    this.logger = options.logger;
    this.warnIntervalMs = options.warnIntervalMs ?? 30_000;
    const maxDelay = options.maxReconnectDelayMs ?? 2_000;
    this.client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 300,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 100, maxDelay),
      // A socket that does not close after `end()` (hung peer) is destroyed this soon at close().
      disconnectTimeout: 500,
    });
    // Without a listener ioredis would print every reconnect failure; here they are throttled.
    this.client.on('error', (err: Error) => this.warn(err));
  }

  /** True when commands can be sent right now. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Starts connecting (once) and waits at most `waitMs` for it; resolves whether the client is
   * ready. A Redis that is down never rejects this: start-up goes on and the client keeps retrying.
   */
  async connect(waitMs = 2_000): Promise<boolean> {
    const connecting = this.ensureConnecting();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      connecting,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    return this.ready;
  }

  /**
   * Starts the first connection if nobody has yet (the client was built with `lazyConnect`), without
   * waiting. Stores call it before each command so a forgotten {@link connect} costs one fallback.
   */
  ensureConnecting(): Promise<void> {
    if (!this.connecting && !this.closed && this.client.status === 'wait') {
      // Errors also arrive as 'error' events; ioredis keeps reconnecting by itself after this.
      this.connecting = this.client.connect().catch(() => undefined);
    }
    return this.connecting ?? Promise.resolve();
  }

  /** Closes the client: QUIT when connected (pending replies arrive first), otherwise a hard disconnect. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.client.status === 'ready') await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }

  private warn(err: Error): void {
    const now = Date.now();
    if (now - this.lastWarnAt < this.warnIntervalMs) {
      this.suppressed += 1;
      return;
    }
    this.logger?.warn(
      { err: { message: err.message }, suppressed: this.suppressed },
      'ai-routing: Redis connection error',
    );
    this.lastWarnAt = now;
    this.suppressed = 0;
  }
}

/** Runs a Lua script by EVALSHA, loading it with EVAL when Redis does not know it (NOSCRIPT). */
export async function evalScript(
  client: Redis,
  script: { source: string; sha: string },
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
