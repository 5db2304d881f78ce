import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity';
import type { TenantStatus } from '../entities/tenant.entity';

export interface ApiKeyWithTenant {
  key: ApiKeyEntity;
  tenantStatus: TenantStatus;
  tenantPlan: string;
}

/**
 * API keys. Lookup by key hash is the one query without a tenant (the key tells us the tenant);
 * every other query names it, so another tenant's id is simply not found.
 */
@Injectable()
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, key: ApiKeyEntity): Promise<void> {
    await manager.insert(ApiKeyEntity, key);
  }

  async findByHashWithTenant(keyHash: string): Promise<ApiKeyWithTenant | null> {
    const key = await this.dataSource.manager.findOneBy(ApiKeyEntity, { keyHash });
    if (!key) return null;
    const rows: { status: TenantStatus; plan: string }[] = await this.dataSource.query(
      'SELECT status, plan FROM tenants WHERE id = $1',
      [key.tenantId],
    );
    return rows[0] ? { key, tenantStatus: rows[0].status, tenantPlan: rows[0].plan } : null;
  }

  findById(tenantId: string, id: string, manager?: EntityManager): Promise<ApiKeyEntity | null> {
    return (manager ?? this.dataSource.manager).findOneBy(ApiKeyEntity, { tenantId, id });
  }

  listByTenant(tenantId: string): Promise<ApiKeyEntity[]> {
    return this.dataSource.manager.find(ApiKeyEntity, {
      where: { tenantId },
      order: { createdAt: 'DESC', id: 'ASC' },
    });
  }

  async revoke(manager: EntityManager, tenantId: string, id: string, at: Date): Promise<void> {
    await manager.update(ApiKeyEntity, { tenantId, id }, { revokedAt: at });
  }

  /** Records a use, at most once per `minIntervalMs` (a no-op write is skipped by the WHERE). */
  async touchLastUsed(tenantId: string, id: string, at: Date, minIntervalMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = $3
        WHERE tenant_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < $4)`,
      [tenantId, id, at, new Date(at.getTime() - minIntervalMs)],
    );
  }
}
