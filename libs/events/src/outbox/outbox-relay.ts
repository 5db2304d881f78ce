import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { backoffDelay, errorMessage, sleep } from '../backoff';
import type { EventBus, OutgoingMessage } from '../bus/event-bus';
import type { EventEnvelope } from '../envelope';
import { outboxMetrics } from '../metrics';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  bus: EventBus;
  /** Service name, for logs and the `service` metric label. */
  service: string;
  /** Events per publish (default 100). */
  batchSize?: number;
  /** Poll interval when idle (default 200 ms); `notify()` wakes the relay earlier. */
  pollIntervalMs?: number;
  /** Backoff after a failed publish (default 500 ms doubling up to 30 s). */
  retry?: { initialMs?: number; maxMs?: number };
  /** A publish that has not been acknowledged after this long counts as failed (default 30 s). */
  publishTimeoutMs?: number;
  /**
   * Published rows older than this are deleted by the running relay, a bounded chunk every few
   * minutes (default 7 days; 0 keeps them forever).
   */
  retainPublishedMs?: number;
  logger: Logger;
  registry?: Registry;
}

export interface StopOptions {
  /** Publish what is pending before returning (default true). */
  flush?: boolean;
  /** Bound of the whole stop, flush included (default 10 s). */
  timeoutMs?: number;
}

export type RelayBatchResult =
  | { kind: 'published'; count: number }
  | { kind: 'idle' }
  | { kind: 'locked' }
  | { kind: 'failed'; error: unknown };

interface OutboxRow {
  seq: string;
  topic: string;
  key: string;
  envelope: EventEnvelope;
}

/**
 * Transaction-scoped advisory lock: one relay batch at a time per database, so batches (and
 * therefore events) leave in `seq` order even with several replicas. Transaction-scoped because a
 * session lock would pin a pooled connection (and PGlite has only one).
 */
const LOCK_SQL = "SELECT pg_try_advisory_xact_lock(hashtextextended('brainmesh:outbox-relay', 0)) AS locked";
const METRICS_REFRESH_MS = 1_000;
const PRUNE_INTERVAL_MS = 5 * 60_000;
const PRUNE_CHUNK = 10_000;
const DEFAULT_RETAIN_PUBLISHED_MS = 7 * 24 * 3_600_000;

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Publishes the transactional outbox to the EventBus: reads unpublished events in `seq` order,
 * publishes a batch, marks it published, all in one transaction under an advisory lock. A failed
 * publish records `attempts`/`last_error`, ends the batch (nothing later overtakes it) and is
 * retried with capped backoff. At least once: a batch published but not marked (crash, commit
 * failure) is published again, so consumers dedupe by event id (`handleOnce`).
 */
export class OutboxRelay {
  private readonly metrics;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly publishTimeoutMs: number;
  private loop?: Promise<void>;
  private stopRequested = false;
  private notified = false;
  private wake?: () => void;
  private lastMetricsAt = 0;
  private lastPruneAt = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.metrics = outboxMetrics(options.registry);
    this.logger = options.logger.child({ component: 'outbox-relay' });
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.retryInitialMs = options.retry?.initialMs ?? 500;
    this.retryMaxMs = options.retry?.maxMs ?? 30_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.loop) return;
    this.stopRequested = false;
    this.loop = this.run();
  }

  /** Wakes the relay now, e.g. right after a commit that wrote outbox events. */
  notify(): void {
    this.notified = true;
    this.wake?.();
  }

  /**
   * Stops the loop; with `flush` (default) first publishes what is pending, all bounded by
   * `timeoutMs`. Resolves `drained: true` when nothing was left unpublished.
   */
  async stop(options: StopOptions = {}): Promise<{ drained: boolean }> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    this.stopRequested = true;
    this.wake?.();
    const loop = this.loop;
    this.loop = undefined;
    if (loop) {
      const timeout = new AbortController();
      await Promise.race([loop, sleep(Math.max(0, deadline - Date.now()), timeout.signal)]);
      timeout.abort();
    }
    if (options.flush === false) return { drained: false };
    let failures = 0;
    while (Date.now() < deadline) {
      const remaining = deadline - Date.now();
      const result = await this.publishBatch(Math.min(this.publishTimeoutMs, remaining));
      if (result.kind === 'idle') return { drained: true };
      if (result.kind === 'published') continue;
      failures += result.kind === 'failed' ? 1 : 0;
      const delay =
        result.kind === 'locked' ? 50 : backoffDelay(failures, this.retryInitialMs, this.retryMaxMs);
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    }
    this.logger.warn({ service: this.options.service }, 'outbox relay stopped before the outbox was drained');
    await this.refreshMetrics(true);
    return { drained: false };
  }

  /**
   * One batch: lock, read up to `batchSize` unpublished events, publish, mark. Exposed for tests
   * and tools; the loop calls it.
   */
  async publishBatch(timeoutMs = this.publishTimeoutMs): Promise<RelayBatchResult> {
    let published: OutboxRow[] = [];
    let result: RelayBatchResult;
    try {
      result = await this.options.dataSource.transaction(async (manager) => {
        const [{ locked }] = (await manager.query(LOCK_SQL)) as Array<{ locked: boolean }>;
        if (!locked) return { kind: 'locked' } as const;
        const rows = (await manager.query(
          'SELECT seq, topic, key, envelope FROM outbox_events WHERE published_at IS NULL ORDER BY seq LIMIT $1',
          [this.batchSize],
        )) as OutboxRow[];
        if (rows.length === 0) return { kind: 'idle' } as const;
        const seqs = rows.map((r) => r.seq);
        try {
          const messages: OutgoingMessage[] = rows.map((r) => ({
            topic: r.topic,
            key: r.key,
            envelope: r.envelope,
          }));
          await withTimeout(this.options.bus.publish(messages), timeoutMs, 'publish');
        } catch (error) {
          await this.recordFailure(manager, seqs, error);
          return { kind: 'failed', error } as const;
        }
        await manager.query(
          'UPDATE outbox_events SET published_at = now(), last_error = NULL WHERE seq = ANY($1::bigint[])',
          [seqs],
        );
        published = rows;
        return { kind: 'published', count: rows.length } as const;
      });
    } catch (error) {
      // Database trouble (or a commit failure after publishing: those events go out again).
      result = { kind: 'failed', error };
    }
    if (result.kind === 'published') {
      for (const row of published)
        this.metrics.published.inc({ service: this.options.service, topic: row.topic });
    }
    if (result.kind === 'failed') this.metrics.publishFailures.inc({ service: this.options.service });
    if (result.kind === 'idle') {
      this.markIdle(); // seen under the lock: nothing is pending
    } else {
      await this.refreshMetrics(false);
    }
    return result;
  }

  private markIdle(): void {
    this.metrics.pending.set({ service: this.options.service }, 0);
    this.metrics.lagSeconds.set({ service: this.options.service }, 0);
    this.lastMetricsAt = Date.now();
  }

  /** One cheap read, no transaction: is any event unpublished? (On error: go and find out.) */
  private async nothingPending(): Promise<boolean> {
    try {
      const rows = (await this.options.dataSource.query(
        'SELECT 1 FROM outbox_events WHERE published_at IS NULL LIMIT 1',
      )) as unknown[];
      return rows.length === 0;
    } catch {
      return false; // the batch reports the database trouble
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    // The last pause ended on the timer, not on a notify: look before taking the lock (an idle
    // poll is then one query instead of a transaction of four round trips).
    let polling = false;
    this.logger.debug({ service: this.options.service }, 'outbox relay started');
    while (!this.stopRequested) {
      const quiet = polling && !this.notified && (await this.nothingPending());
      this.notified = false;
      polling = false;
      if (quiet) this.markIdle();
      const result: RelayBatchResult = quiet ? { kind: 'idle' } : await this.publishBatch();
      if (this.stopRequested) break;
      if (result.kind === 'failed') {
        failures += 1;
        const delayMs = backoffDelay(failures, this.retryInitialMs, this.retryMaxMs);
        this.logger.warn(
          { err: result.error, service: this.options.service, failures, retryInMs: delayMs },
          `outbox publish failed: ${errorMessage(result.error)}`,
        );
        // A commit elsewhere must not cut the backoff short while the bus is down.
        await this.pause(delayMs, false);
        continue;
      }
      if (failures > 0)
        this.logger.info({ service: this.options.service, failures }, 'outbox publishing recovered');
      failures = 0;
      if (result.kind === 'idle') await this.pruneIfDue();
      if (result.kind === 'published' && result.count === this.batchSize) continue;
      await this.pause(this.pollIntervalMs, true);
      polling = !this.notified;
    }
  }

  /** Waits `ms`, or less on stop (and on `notify()` when `wakeOnNotify`). */
  private async pause(ms: number, wakeOnNotify: boolean): Promise<void> {
    if (this.stopRequested || (wakeOnNotify && this.notified)) return;
    const abort = new AbortController();
    this.wake = () => {
      if (this.stopRequested || wakeOnNotify) abort.abort();
    };
    try {
      await sleep(ms, abort.signal);
    } finally {
      this.wake = undefined;
    }
  }

  /** Deletes a bounded chunk of old published rows, at most every few minutes. */
  async pruneIfDue(now = Date.now()): Promise<number> {
    const retainMs = this.options.retainPublishedMs ?? DEFAULT_RETAIN_PUBLISHED_MS;
    if (retainMs <= 0 || now - this.lastPruneAt < PRUNE_INTERVAL_MS) return 0;
    this.lastPruneAt = now;
    try {
      const [, deleted] = (await this.options.dataSource.query(
        `DELETE FROM outbox_events WHERE seq IN (
           SELECT seq FROM outbox_events
            WHERE published_at IS NOT NULL AND published_at < now() - ($1::bigint * interval '1 millisecond')
            LIMIT ${PRUNE_CHUNK})`,
        [retainMs],
      )) as [unknown, number];
      if (deleted > 0)
        this.logger.debug({ service: this.options.service, deleted }, 'pruned published outbox rows');
      return deleted;
    } catch (err) {
      this.logger.warn({ err, service: this.options.service }, 'could not prune the outbox');
      return 0;
    }
  }

  private async recordFailure(manager: EntityManager, seqs: string[], error: unknown): Promise<void> {
    await manager.query(
      'UPDATE outbox_events SET attempts = attempts + 1, last_error = $2 WHERE seq = ANY($1::bigint[])',
      [seqs, errorMessage(error).slice(0, 2_000)],
    );
  }

  /** Updates the pending/lag gauges (at most once a second unless forced). */
  private async refreshMetrics(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastMetricsAt < METRICS_REFRESH_MS) return;
    this.lastMetricsAt = now;
    try {
      const [row] = (await this.options.dataSource.query(
        `SELECT count(*)::int AS pending,
                COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS lag
           FROM outbox_events WHERE published_at IS NULL`,
      )) as Array<{ pending: number; lag: number }>;
      const labels = { service: this.options.service };
      this.metrics.pending.set(labels, row.pending);
      this.metrics.lagSeconds.set(labels, Math.max(0, row.lag));
    } catch (err) {
      this.logger.debug({ err }, 'could not refresh outbox metrics');
    }
  }
}
