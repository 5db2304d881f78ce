import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { RouteEntity } from '../entities/route.entity';

/** Routes. Every query names the owner (tenant id, or null for platform-wide routes). */
@Injectable()
export class RouteRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(route: RouteEntity): Promise<unknown> {
    return this.dataSource.manager.insert(RouteEntity, route);
  }

  save(route: RouteEntity): Promise<RouteEntity> {
    return this.dataSource.manager.save(RouteEntity, route);
  }

  findOwned(owner: string | null, id: string): Promise<RouteEntity | null> {
    return this.dataSource.manager.findOneBy(RouteEntity, { id, tenantId: owner ?? IsNull() });
  }

  /** The routes a tenant sees: its own and the platform-wide ones (operators: platform only). */
  listVisible(tenantId: string | null): Promise<RouteEntity[]> {
    const qb = this.dataSource.manager.createQueryBuilder(RouteEntity, 'r').where('r.tenant_id IS NULL');
    if (tenantId !== null) qb.orWhere('r.tenant_id = :tenantId', { tenantId });
    return qb.orderBy('r.model', 'ASC').getMany();
  }

  /** The route a tenant's call to `model` uses: the tenant's own first, else the platform's. */
  async findForCall(tenantId: string, model: string): Promise<RouteEntity | null> {
    const rows = await this.dataSource.manager
      .createQueryBuilder(RouteEntity, 'r')
      .where('r.model = :model', { model })
      .andWhere('(r.tenant_id = :tenantId OR r.tenant_id IS NULL)', { tenantId })
      .orderBy('r.tenant_id IS NULL', 'ASC')
      .limit(1)
      .getMany();
    return rows[0] ?? null;
  }

  /** Whether any route of the owner uses the provider (a provider in use cannot be deleted). */
  async usesProvider(owner: string | null, providerId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM routes WHERE ${owner === null ? 'tenant_id IS NULL' : 'tenant_id = $2'}
         AND deployments @> jsonb_build_array(jsonb_build_object('provider_id', $1::text)) LIMIT 1`,
      owner === null ? [providerId] : [providerId, owner],
    );
    return rows.length > 0;
  }

  async delete(owner: string | null, id: string): Promise<boolean> {
    const result = await this.dataSource.manager.delete(RouteEntity, { id, tenantId: owner ?? IsNull() });
    return (result.affected ?? 0) > 0;
  }
}
