import { Injectable } from '@nestjs/common';
import { IsNull, type EntityManager } from 'typeorm';
import { MfaChallengeEntity } from '../entities/mfa-challenge.entity';

/**
 * Login MFA challenges. Lookup by token hash is the one query without a tenant (the token tells
 * us the tenant); every other query names it.
 */
@Injectable()
export class MfaChallengeRepository {
  async insert(manager: EntityManager, challenge: MfaChallengeEntity): Promise<void> {
    await manager.insert(MfaChallengeEntity, challenge);
  }

  /** The challenge with this hash, row-locked until the transaction ends. */
  findByHashForUpdate(manager: EntityManager, tokenHash: string): Promise<MfaChallengeEntity | null> {
    return manager.findOne(MfaChallengeEntity, { where: { tokenHash }, lock: { mode: 'pessimistic_write' } });
  }

  async markUsed(manager: EntityManager, tenantId: string | null, id: string, at: Date): Promise<void> {
    await manager.update(MfaChallengeEntity, { tenantId: tenantId ?? IsNull(), id }, { usedAt: at });
  }
}
