import { Injectable } from '@nestjs/common';
import { OutboxRelay, OutboxWriter, type EventEnvelope } from '@brainmesh/events';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * A database transaction plus the events it emits: state changes and their events commit together
 * (transactional outbox), and the relay is woken right after the commit.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly relay: OutboxRelay,
  ) {}

  async run<T>(
    work: (manager: EntityManager, emit: (envelope: EventEnvelope<unknown>) => void) => Promise<T>,
  ): Promise<T> {
    const result = await this.dataSource.transaction(async (manager) => {
      const pending: EventEnvelope<unknown>[] = [];
      const value = await work(manager, (envelope) => pending.push(envelope));
      if (pending.length > 0) await this.outbox.add(manager, ...pending);
      return value;
    });
    this.relay.notify();
    return result;
  }
}
