import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { UserEntity } from '../entities/user.entity';
import type { Role } from '../domain/permissions';

/** Users of tenants and platform operators (tenantId null). Every query names the tenant. */
@Injectable()
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async insert(manager: EntityManager, user: UserEntity): Promise<void> {
    await manager.insert(UserEntity, user);
  }

  /** A user by email within a tenant, or an operator (tenantId null). */
  findByEmail(tenantId: string | null, email: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.m(manager).findOneBy(UserEntity, { tenantId: tenantId ?? IsNull(), email });
  }

  findById(tenantId: string | null, id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.m(manager).findOneBy(UserEntity, { tenantId: tenantId ?? IsNull(), id });
  }

  listByTenant(tenantId: string): Promise<UserEntity[]> {
    return this.dataSource.manager.find(UserEntity, {
      where: { tenantId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  countOwners(manager: EntityManager, tenantId: string): Promise<number> {
    return manager.countBy(UserEntity, { tenantId, role: 'owner' });
  }

  operatorExists(manager: EntityManager): Promise<boolean> {
    return manager.existsBy(UserEntity, { tenantId: IsNull(), role: 'operator' });
  }

  /** Adds one failed login atomically and returns the new consecutive count. */
  async addFailedLogin(manager: EntityManager, tenantId: string | null, id: string): Promise<number> {
    const rows: { failed_logins: number }[][] | { failed_logins: number }[] = await manager.query(
      `UPDATE users SET failed_logins = failed_logins + 1
        WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2 RETURNING failed_logins`,
      [id, tenantId],
    );
    // TypeORM's postgres driver returns [rows, count] for UPDATE ... RETURNING.
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as { failed_logins: number }[];
    return Number(list[0]?.failed_logins ?? 0);
  }

  async setLockedUntil(
    manager: EntityManager,
    tenantId: string | null,
    id: string,
    lockedUntil: Date | null,
  ): Promise<void> {
    await manager.update(UserEntity, { tenantId: tenantId ?? IsNull(), id }, { lockedUntil });
  }

  async resetFailedLogins(manager: EntityManager, tenantId: string | null, id: string): Promise<void> {
    await manager.update(
      UserEntity,
      { tenantId: tenantId ?? IsNull(), id },
      { failedLogins: 0, lockedUntil: null },
    );
  }

  async updateRole(manager: EntityManager, tenantId: string, id: string, role: Role): Promise<void> {
    await manager.update(UserEntity, { tenantId, id }, { role });
  }

  async delete(manager: EntityManager, tenantId: string, id: string): Promise<void> {
    await manager.delete(UserEntity, { tenantId, id });
  }
}
