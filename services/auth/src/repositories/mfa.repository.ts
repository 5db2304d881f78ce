import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, Or, type EntityManager } from 'typeorm';
import { MfaRecoveryCodeEntity } from '../entities/mfa-recovery-code.entity';
import { UserMfaEntity } from '../entities/user-mfa.entity';

/** The TOTP factor and recovery codes of users. Every query names the tenant. */
@Injectable()
export class MfaRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  find(tenantId: string | null, userId: string, manager?: EntityManager): Promise<UserMfaEntity | null> {
    return this.m(manager).findOneBy(UserMfaEntity, { tenantId: tenantId ?? IsNull(), userId });
  }

  /** The factor, row-locked until the transaction ends (serialises code checks of one user). */
  findForUpdate(
    manager: EntityManager,
    tenantId: string | null,
    userId: string,
  ): Promise<UserMfaEntity | null> {
    return manager.findOne(UserMfaEntity, {
      where: { tenantId: tenantId ?? IsNull(), userId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** Inserts a pending factor or replaces a pending one (an active factor is never replaced here). */
  async savePending(manager: EntityManager, factor: UserMfaEntity): Promise<void> {
    await manager.delete(UserMfaEntity, {
      tenantId: factor.tenantId ?? IsNull(),
      userId: factor.userId,
      enabledAt: IsNull(),
    });
    await manager.insert(UserMfaEntity, factor);
  }

  async enable(manager: EntityManager, tenantId: string | null, userId: string, at: Date): Promise<void> {
    await manager.update(UserMfaEntity, { tenantId: tenantId ?? IsNull(), userId }, { enabledAt: at });
  }

  /** Records the accepted TOTP step; false when that step (or a later one) was used already. */
  async useStep(
    manager: EntityManager,
    tenantId: string | null,
    userId: string,
    step: number,
  ): Promise<boolean> {
    const result = await manager.update(
      UserMfaEntity,
      { tenantId: tenantId ?? IsNull(), userId, lastUsedStep: Or(IsNull(), LessThan(String(step))) },
      { lastUsedStep: String(step) },
    );
    return (result.affected ?? 0) === 1;
  }

  /** Removes the factor and every recovery code. */
  async remove(manager: EntityManager, tenantId: string | null, userId: string): Promise<void> {
    await manager.delete(MfaRecoveryCodeEntity, { tenantId: tenantId ?? IsNull(), userId });
    await manager.delete(UserMfaEntity, { tenantId: tenantId ?? IsNull(), userId });
  }

  /** Replaces the user's recovery codes by these (hashes only). */
  async replaceRecoveryCodes(manager: EntityManager, codes: MfaRecoveryCodeEntity[]): Promise<void> {
    const first = codes[0];
    if (!first) return;
    await manager.delete(MfaRecoveryCodeEntity, {
      tenantId: first.tenantId ?? IsNull(),
      userId: first.userId,
    });
    await manager.insert(MfaRecoveryCodeEntity, codes);
  }

  /** Uses up the unused recovery code with this hash; false when there is none (wrong or used). */
  async useRecoveryCode(
    manager: EntityManager,
    tenantId: string | null,
    userId: string,
    codeHash: string,
    at: Date,
  ): Promise<boolean> {
    const result = await manager.update(
      MfaRecoveryCodeEntity,
      { tenantId: tenantId ?? IsNull(), userId, codeHash, usedAt: IsNull() },
      { usedAt: at },
    );
    return (result.affected ?? 0) === 1;
  }

  countUnusedRecoveryCodes(manager: EntityManager, tenantId: string | null, userId: string): Promise<number> {
    return manager.countBy(MfaRecoveryCodeEntity, {
      tenantId: tenantId ?? IsNull(),
      userId,
      usedAt: IsNull(),
    });
  }
}
