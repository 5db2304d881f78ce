import { Injectable } from '@nestjs/common';
import { IsNull, type EntityManager } from 'typeorm';
import { RefreshTokenEntity } from '../entities/refresh-token.entity';

/**
 * Refresh tokens. Lookup by token hash is the one query without a tenant: the token is the
 * credential that tells us the tenant; every other query names it.
 */
@Injectable()
export class RefreshTokenRepository {
  async insert(manager: EntityManager, token: RefreshTokenEntity): Promise<void> {
    await manager.insert(RefreshTokenEntity, token);
  }

  /** The token with this hash, row-locked until the transaction ends. */
  findByHashForUpdate(manager: EntityManager, tokenHash: string): Promise<RefreshTokenEntity | null> {
    return manager.findOne(RefreshTokenEntity, { where: { tokenHash }, lock: { mode: 'pessimistic_write' } });
  }

  async markUsed(manager: EntityManager, tenantId: string | null, id: string, at: Date): Promise<void> {
    await manager.update(RefreshTokenEntity, { tenantId: tenantId ?? IsNull(), id }, { usedAt: at });
  }

  /** Revokes every not yet revoked token of the family; returns how many. */
  async revokeFamily(
    manager: EntityManager,
    tenantId: string | null,
    familyId: string,
    at: Date,
  ): Promise<number> {
    const result = await manager.update(
      RefreshTokenEntity,
      { tenantId: tenantId ?? IsNull(), familyId, revokedAt: IsNull() },
      { revokedAt: at },
    );
    return result.affected ?? 0;
  }
}
