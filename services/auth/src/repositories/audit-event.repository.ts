import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEventEntity } from '../entities/audit-event.entity';

export interface AuditEventQuery {
  /** The tenant whose log to read; null for platform-level events. */
  tenantId: string | null;
  actorId?: string;
  action?: string;
  since?: Date;
  until?: Date;
  /** Only events with an id below this one (the keyset cursor). */
  beforeId?: string;
  limit: number;
}

/**
 * The audit log. Append-only: there is deliberately no update or delete here, and a trigger
 * refuses UPDATE, DELETE and TRUNCATE on the table.
 */
@Injectable()
export class AuditEventRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts inside the caller's transaction (the same one as the change it records). */
  async insert(manager: EntityManager, event: AuditEventEntity): Promise<void> {
    await manager.insert(AuditEventEntity, event);
  }

  /** Newest first (by UUIDv7 id), keyset-paginated. */
  list(query: AuditEventQuery): Promise<AuditEventEntity[]> {
    const qb = this.dataSource.manager.createQueryBuilder(AuditEventEntity, 'e');
    if (query.tenantId === null) qb.where('e.tenant_id IS NULL');
    else qb.where('e.tenant_id = :tenantId', { tenantId: query.tenantId });
    if (query.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: query.actorId });
    if (query.action) qb.andWhere('e.action = :action', { action: query.action });
    if (query.since) qb.andWhere('e.occurred_at >= :since', { since: query.since });
    if (query.until) qb.andWhere('e.occurred_at < :until', { until: query.until });
    if (query.beforeId) qb.andWhere('e.id < :beforeId', { beforeId: query.beforeId });
    return qb.orderBy('e.id', 'DESC').limit(query.limit).getMany();
  }
}
