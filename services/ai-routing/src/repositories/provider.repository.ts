import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { ProviderEntity } from '../entities/provider.entity';

/**
 * Providers. Every query names the owner: a tenant id, or null for platform-wide providers, so
 * another tenant's provider is simply not found.
 */
@Injectable()
export class ProviderRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(provider: ProviderEntity): Promise<unknown> {
    return this.dataSource.manager.insert(ProviderEntity, provider);
  }

  save(provider: ProviderEntity): Promise<ProviderEntity> {
    return this.dataSource.manager.save(ProviderEntity, provider);
  }

  findOwned(owner: string | null, id: string): Promise<ProviderEntity | null> {
    return this.dataSource.manager.findOneBy(ProviderEntity, { id, tenantId: owner ?? IsNull() });
  }

  listOwned(owner: string | null): Promise<ProviderEntity[]> {
    return this.dataSource.manager.find(ProviderEntity, {
      where: { tenantId: owner ?? IsNull() },
      order: { name: 'ASC' },
    });
  }

  /** Providers by id within one owner (route resolution and validation). */
  async findManyOwned(owner: string | null, ids: string[]): Promise<ProviderEntity[]> {
    if (ids.length === 0) return [];
    return this.dataSource.manager
      .createQueryBuilder(ProviderEntity, 'p')
      .where('p.id IN (:...ids)', { ids })
      .andWhere(owner === null ? 'p.tenant_id IS NULL' : 'p.tenant_id = :owner', { owner })
      .getMany();
  }

  /** Every provider with a sealed secret (key rotation walks them all, any owner). */
  listAllSealed(): Promise<ProviderEntity[]> {
    return this.dataSource.manager
      .createQueryBuilder(ProviderEntity, 'p')
      .where('p.secret_sealed IS NOT NULL')
      .getMany();
  }

  async delete(owner: string | null, id: string): Promise<boolean> {
    const result = await this.dataSource.manager.delete(ProviderEntity, { id, tenantId: owner ?? IsNull() });
    return (result.affected ?? 0) > 0;
  }
}
