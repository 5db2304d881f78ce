import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { TenantEntity } from '../entities/tenant.entity';

@Injectable()
export class TenantRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async insert(manager: EntityManager, tenant: TenantEntity): Promise<void> {
    await manager.insert(TenantEntity, tenant);
  }

  findById(id: string, manager?: EntityManager): Promise<TenantEntity | null> {
    return this.m(manager).findOneBy(TenantEntity, { id });
  }

  findBySlug(slug: string, manager?: EntityManager): Promise<TenantEntity | null> {
    return this.m(manager).findOneBy(TenantEntity, { slug });
  }

  /** Locks the tenant row until the transaction ends (serialises owner changes). */
  async lock(manager: EntityManager, id: string): Promise<TenantEntity | null> {
    const rows: { id: string }[] = await manager.query('SELECT id FROM tenants WHERE id = $1 FOR UPDATE', [
      id,
    ]);
    return rows.length ? this.findById(id, manager) : null;
  }

  list(): Promise<TenantEntity[]> {
    return this.dataSource.manager.find(TenantEntity, { order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async update(
    manager: EntityManager,
    id: string,
    changes: Partial<Pick<TenantEntity, 'status' | 'name' | 'plan'>>,
  ): Promise<void> {
    await manager.update(TenantEntity, { id }, changes);
  }
}
