import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { OutboxRelay, OutboxWriter, type EventEnvelope } from '@brainmesh/events';
import type { Logger } from '@brainmesh/logging';
import { LOGGER, METRICS_REGISTRY, SERVICE_CONFIG } from '@brainmesh/runtime';
import { counter, histogram, type Registry } from '@brainmesh/telemetry';
import { DataSource } from 'typeorm';
import type { AiRoutingConfig } from '../config';

/** One row of the usage ledger (`usage_records`). */
export interface UsageRow {
  id: string;
  tenantId: string;
  requestId: string;
  kind: 'chat' | 'embeddings';
  apiKeyId: string | null;
  userId: string | null;
  route: string;
  routeId: string | null;
  deployment: string | null;
  providerId: string | null;
  upstreamModel: string | null;
  promptTokens: number;
  completionTokens: number;
  tokensEstimated: boolean;
  costMicros: number;
  latencyMs: number;
  ttftMs: number | null;
  stream: boolean;
  status: string;
  errorClass: string | null;
  cacheHit: boolean;
  createdAt: Date;
}

interface Pending {
  /** Absent for events that go out alone (budget alerts found by a lease sync). */
  row?: UsageRow;
  events: EventEnvelope<unknown>[];
  done: () => void;
}

const COLUMNS = [
  'id',
  'tenant_id',
  'request_id',
  'kind',
  'api_key_id',
  'user_id',
  'route',
  'route_id',
  'deployment',
  'provider_id',
  'upstream_model',
  'prompt_tokens',
  'completion_tokens',
  'tokens_estimated',
  'cost_micros',
  'latency_ms',
  'ttft_ms',
  'stream',
  'status',
  'error_class',
  'cache_hit',
  'created_at',
] as const;
const MAX_BATCH = 500;
/** Beyond this many unwritten records (database down for long), new ones wait instead of piling up. */
const MAX_PENDING = 100_000;

/**
 * The usage ledger with group commit: each call's row and its events (`usage.recorded`, budget
 * alerts) go into ONE transaction with the outbox, so a ledger row never exists without its event
 * nor the reverse. Rows are batched for USAGE_FLUSH_MS (default 100 ms) so the hot path does not
 * wait for a commit per call; a failed batch is retried with backoff, and shutdown flushes what is
 * pending. The window between a call's end and its commit (milliseconds) is the only time a
 * process crash can lose a record (documented in docs/ai-routing.md).
 */
@Injectable()
export class UsageLedgerRepository implements OnApplicationShutdown {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private readonly flushMs: number;
  private readonly written;
  private readonly batchSeconds;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly relay: OutboxRelay,
    @Inject(SERVICE_CONFIG) config: AiRoutingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.flushMs = config.USAGE_FLUSH_MS;
    this.written = counter(
      registry,
      'airouting_usage_records_written_total',
      'Usage records committed with their events',
      [],
    );
    this.batchSeconds = histogram(
      registry,
      'airouting_usage_batch_seconds',
      'Time to commit one usage batch',
      [],
    );
  }

  /** Queues a record and its events; resolves once they are committed (callers need not wait). */
  append(row: UsageRow, events: EventEnvelope<unknown>[]): Promise<void> {
    return new Promise<void>((resolve) => {
      this.queue.push({ row, events, done: resolve });
      if (this.queue.length >= MAX_BATCH) this.schedule(0);
      else this.schedule(this.flushMs);
    });
  }

  /** Queues events with no usage row (same batch, same transaction, same outbox). */
  appendEvents(events: EventEnvelope<unknown>[]): Promise<void> {
    return new Promise<void>((resolve) => {
      this.queue.push({ events, done: resolve });
      this.schedule(this.flushMs);
    });
  }

  /** Micro-USD spent by a tenant (or one of its API keys) since `since`, committed or pending. */
  async spentMicros(tenantId: string, apiKeyId: string | null, since: Date): Promise<number> {
    const rows: Array<{ total: string | null }> = await this.dataSource.query(
      apiKeyId === null
        ? 'SELECT SUM(cost_micros)::text AS total FROM usage_records WHERE tenant_id = $1 AND created_at >= $2'
        : 'SELECT SUM(cost_micros)::text AS total FROM usage_records WHERE tenant_id = $1 AND created_at >= $2 AND api_key_id = $3',
      apiKeyId === null ? [tenantId, since] : [tenantId, since, apiKeyId],
    );
    let pending = 0;
    for (const { row } of this.queue)
      if (
        row?.tenantId === tenantId &&
        row.createdAt >= since &&
        (apiKeyId === null || row.apiKeyId === apiKeyId)
      )
        pending += row.costMicros;
    return Number(rows[0]?.total ?? 0) + pending;
  }

  /** Writes everything pending now (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      if (this.flushing) await this.flushing;
      else await this.writeBatch();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.flush();
    } catch (err) {
      this.logger.error(
        { err, pending: this.queue.length },
        'usage records could not be written at shutdown',
      );
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  get backlogFull(): boolean {
    return this.queue.length >= MAX_PENDING;
  }

  private schedule(delayMs: number): void {
    if (this.flushing) return; // the running batch reschedules when it ends
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeBatch().catch(() => undefined);
    }, delayMs);
    this.timer.unref?.();
  }

  private writeBatch(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return this.flushing ?? Promise.resolve();
    const batch = this.queue.slice(0, MAX_BATCH);
    const rows = batch.flatMap((p) => (p.row ? [p.row] : []));
    const started = process.hrtime.bigint();
    this.flushing = this.dataSource
      .transaction(async (manager) => {
        const params: unknown[] = [];
        const values = rows.map((row) => {
          const cells = [
            row.id,
            row.tenantId,
            row.requestId,
            row.kind,
            row.apiKeyId,
            row.userId,
            row.route,
            row.routeId,
            row.deployment,
            row.providerId,
            row.upstreamModel,
            row.promptTokens,
            row.completionTokens,
            row.tokensEstimated,
            row.costMicros,
            row.latencyMs,
            row.ttftMs,
            row.stream,
            row.status,
            row.errorClass,
            row.cacheHit,
            row.createdAt,
          ];
          return `(${cells.map((c) => (params.push(c), `$${params.length}`)).join(', ')})`;
        });
        if (values.length > 0)
          await manager.query(
            `INSERT INTO usage_records (${COLUMNS.join(', ')}) VALUES ${values.join(', ')}`,
            params,
          );
        const events = batch.flatMap((p) => p.events);
        if (events.length > 0) await this.outbox.add(manager, ...events);
      })
      .then(
        () => {
          this.queue.splice(0, batch.length);
          this.failures = 0;
          this.written.inc(rows.length);
          this.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
          for (const p of batch) p.done();
          this.relay.notify();
        },
        (err: unknown) => {
          this.failures += 1;
          const retryMs = Math.min(30_000, 100 * 2 ** Math.min(this.failures, 9));
          this.logger.error(
            { err, batch: batch.length, pending: this.queue.length, retryMs },
            'usage batch failed; retrying (records stay queued)',
          );
          throw err;
        },
      )
      .finally(() => {
        this.flushing = undefined;
        if (this.queue.length > 0)
          this.schedule(this.failures > 0 ? Math.min(30_000, 100 * 2 ** Math.min(this.failures, 9)) : 0);
      });
    return this.flushing;
  }
}
