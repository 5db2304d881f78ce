import type { EntityManager } from 'typeorm';
import { eventCatalog, type EventCatalog } from '../define-event';
import type { EventEnvelope } from '../envelope';

export interface OutboxWriterOptions {
  /** Where envelopes' topics are looked up by type and version (default `eventCatalog`). */
  catalog?: EventCatalog;
}

export class OutboxTransactionError extends Error {
  override readonly name = 'OutboxTransactionError';
}

/**
 * Writes events to the transactional outbox (`outbox_events`). Call `add` with the
 * EntityManager of the transaction that makes the state change, e.g.
 *
 *     await dataSource.transaction(async (manager) => {
 *       await manager.save(user);
 *       await outbox.add(manager, UserCreated.create(tenantId, { userId }));
 *     });
 *     relay.notify();
 *
 * so the change and its events commit (or roll back) together; `OutboxRelay` publishes them
 * after the commit. `add` refuses a manager that is not inside a transaction.
 */
export class OutboxWriter {
  private readonly catalog: EventCatalog;

  constructor(options: OutboxWriterOptions = {}) {
    this.catalog = options.catalog ?? eventCatalog;
  }

  async add(manager: EntityManager, ...envelopes: EventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) {
      throw new OutboxTransactionError(
        'OutboxWriter.add must run inside the transaction of the state change: ' +
          'pass the manager of dataSource.transaction(async (manager) => ...)',
      );
    }
    const params: unknown[] = [];
    const rows = envelopes.map((envelope) => {
      const definition = this.catalog.get(envelope.type, envelope.version);
      definition.parse(envelope); // validates the envelope and its data; the original is stored
      const values = [
        envelope.id,
        definition.topic,
        envelope.key,
        envelope.type,
        envelope.tenantId,
        JSON.stringify(envelope),
      ];
      const placeholders = values.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      placeholders[5] += '::jsonb';
      return `(${placeholders.join(', ')})`;
    });
    // One statement; sequence values follow the order of the rows, so of `envelopes`.
    await manager.query(
      `INSERT INTO outbox_events (id, topic, key, type, tenant_id, envelope) VALUES ${rows.join(', ')}`,
      params,
    );
  }
}
