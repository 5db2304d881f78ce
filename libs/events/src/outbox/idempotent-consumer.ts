import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { EventValidationError, type EventEnvelope } from '../envelope';
import { consumerMetrics } from '../metrics';

export type HandleOnceResult = 'processed' | 'duplicate';

export interface IdempotentConsumerOptions {
  dataSource: DataSource;
  /** The consumer group (dedupe scope: each group handles each event once). */
  consumerGroup: string;
  /** `service` label of the metrics. */
  service: string;
  registry?: Registry;
  logger?: Logger;
}

const eventId = z.uuid();

/**
 * Exactly-once effects on top of at-least-once delivery: in one transaction, marks the event as
 * processed for the group (`processed_events`, `ON CONFLICT DO NOTHING`) and runs the handler with
 * the same EntityManager, so the handler's writes and the mark commit together. A redelivered
 * event finds the mark and is skipped (`events_duplicates_total`). Concurrent deliveries of one
 * event serialize on the mark's primary key. If the handler throws, nothing is kept and the
 * event can be handled again.
 */
export class IdempotentConsumer {
  private readonly metrics;

  constructor(private readonly options: IdempotentConsumerOptions) {
    this.metrics = consumerMetrics(options.registry);
  }

  async handle(
    envelope: EventEnvelope,
    handler: (manager: EntityManager) => Promise<void>,
  ): Promise<HandleOnceResult> {
    if (!eventId.safeParse(envelope.id).success) {
      throw new EventValidationError(`event id "${envelope.id}" is not a UUID`);
    }
    const { dataSource, consumerGroup } = this.options;
    const result = await dataSource.transaction(async (manager): Promise<HandleOnceResult> => {
      const inserted = (await manager.query(
        `INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2)
         ON CONFLICT (consumer_group, event_id) DO NOTHING RETURNING event_id`,
        [consumerGroup, envelope.id],
      )) as unknown[];
      if (inserted.length === 0) return 'duplicate';
      await handler(manager);
      return 'processed';
    });
    if (result === 'duplicate') {
      this.metrics.duplicates.inc({ service: this.options.service, group: consumerGroup });
      this.options.logger?.debug(
        { eventId: envelope.id, eventType: envelope.type, group: consumerGroup },
        'skipped a duplicate event',
      );
    }
    return result;
  }
}

export interface HandleOnceOptions {
  service?: string;
  registry?: Registry;
  logger?: Logger;
}

/** One-shot form of `IdempotentConsumer.handle` (`service` label defaults to the group). */
export function handleOnce(
  dataSource: DataSource,
  consumerGroup: string,
  envelope: EventEnvelope,
  handler: (manager: EntityManager) => Promise<void>,
  options: HandleOnceOptions = {},
): Promise<HandleOnceResult> {
  return new IdempotentConsumer({
    dataSource,
    consumerGroup,
    service: options.service ?? consumerGroup,
    registry: options.registry,
    logger: options.logger,
  }).handle(envelope, handler);
}
