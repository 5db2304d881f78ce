import type { UnitOfWork } from '@brainmesh/runtime';
import type { EntityManager } from 'typeorm';
import type { AuditEventEntity } from '../../src/entities/audit-event.entity';
import type { AuditEventRepository } from '../../src/repositories/audit-event.repository';
import type { ClockRepository } from '../../src/repositories/clock.repository';
import type { CryptoRepository } from '../../src/repositories/crypto.repository';
import { AuditTrail } from '../../src/services/audit-trail';

export interface RecordedEvent {
  type: string;
  data: unknown;
}

/**
 * A UnitOfWork that runs the work at once and keeps what a commit would keep: events and audit
 * rows of a transaction that throws are dropped, like a rollback.
 */
export function fakeUnitOfWork(now: Date) {
  const events: RecordedEvent[] = [];
  const audit: AuditEventEntity[] = [];
  let pendingAudit: AuditEventEntity[] = [];
  let n = 0;
  const unitOfWork = {
    run: jest.fn(async (work: (m: EntityManager, emit: (e: RecordedEvent) => void) => Promise<unknown>) => {
      const pending: RecordedEvent[] = [];
      pendingAudit = [];
      const value = await work({} as EntityManager, (e) => pending.push(e));
      events.push(...pending);
      audit.push(...pendingAudit);
      return value;
    }),
  } as unknown as UnitOfWork;
  const repo = {
    insert: jest.fn(async (_m: EntityManager, row: AuditEventEntity) => void pendingAudit.push(row)),
  } as unknown as AuditEventRepository;
  const crypto = { uuidV7: () => `audit-${++n}` } as unknown as CryptoRepository;
  const clock = { now: () => now } as ClockRepository;
  const trail = new AuditTrail(unitOfWork, repo, crypto, clock);
  return { unitOfWork, trail, events, audit };
}
