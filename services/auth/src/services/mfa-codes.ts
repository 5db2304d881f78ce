import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  formatRecoveryCode,
  isRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_BYTES,
  RECOVERY_CODE_COUNT,
} from '../domain/recovery-codes';
import { base32Decode, verifyTotp } from '../domain/totp';
import type { MfaRecoveryCodeEntity } from '../entities/mfa-recovery-code.entity';
import type { UserMfaEntity } from '../entities/user-mfa.entity';
import { CryptoRepository } from '../repositories/crypto.repository';
import { MfaRepository } from '../repositories/mfa.repository';

export type MfaMethod = 'totp' | 'recovery_code';

/** Checks TOTP and recovery codes (each accepted once) and issues recovery codes. */
@Injectable()
export class MfaCodes {
  constructor(
    private readonly mfa: MfaRepository,
    private readonly crypto: CryptoRepository,
  ) {}

  /**
   * Accepts a TOTP code of `factor` (not a step used before) or, when `allowRecovery`, an unused
   * recovery code, and uses it up; null when neither. Call with the factor row locked.
   */
  async use(
    manager: EntityManager,
    factor: UserMfaEntity,
    code: string,
    now: Date,
    allowRecovery: boolean,
  ): Promise<MfaMethod | null> {
    const trimmed = code.trim();
    if (allowRecovery && isRecoveryCode(trimmed)) {
      const hash = this.crypto.sha256Hex(normalizeRecoveryCode(trimmed));
      return (await this.mfa.useRecoveryCode(manager, factor.tenantId, factor.userId, hash, now))
        ? 'recovery_code'
        : null;
    }
    const lastUsed = factor.lastUsedStep === null ? null : Number(factor.lastUsedStep);
    const step = verifyTotp(base32Decode(factor.totpSecret), trimmed, now, lastUsed);
    if (step === null) return null;
    return (await this.mfa.useStep(manager, factor.tenantId, factor.userId, step)) ? 'totp' : null;
  }

  /** Generates RECOVERY_CODE_COUNT codes, stores their hashes (replacing older ones) and returns them once. */
  async issueRecoveryCodes(manager: EntityManager, factor: UserMfaEntity, now: Date): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
      formatRecoveryCode(this.crypto.randomBytes(RECOVERY_CODE_BYTES)),
    );
    const rows: MfaRecoveryCodeEntity[] = codes.map((code) => ({
      id: this.crypto.uuid(),
      tenantId: factor.tenantId,
      userId: factor.userId,
      codeHash: this.crypto.sha256Hex(normalizeRecoveryCode(code)),
      usedAt: null,
      createdAt: now,
    }));
    await this.mfa.replaceRecoveryCodes(manager, rows);
    return codes;
  }
}
