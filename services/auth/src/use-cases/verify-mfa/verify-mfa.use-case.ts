import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { UnitOfWork } from '@brainmesh/runtime';
import { AuthError } from '../../domain/auth-error';
import { requestContext, type CommandInput } from '../../domain/commands';
import { PLATFORM_TENANT } from '../../domain/platform';
import type { UserEntity } from '../../entities/user.entity';
import { LoginFailedEvent, LoginSucceededEvent, MfaRecoveryCodeUsedEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';
import { MfaChallengeRepository } from '../../repositories/mfa-challenge.repository';
import { MfaRepository } from '../../repositories/mfa.repository';
import { TenantRepository } from '../../repositories/tenant.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AccessTokenIssuer, type TokenPair } from '../../services/access-token-issuer';
import { AuditTrail } from '../../services/audit-trail';
import { recordFailedAttempt } from '../../services/failed-attempt';
import { MfaCodes } from '../../services/mfa-codes';
import { sessionAudit } from '../login/login.use-case';

export const VerifyMfaCommand = z.object({
  mfaToken: z.string().min(1).max(200),
  code: z.string().max(64),
  context: requestContext,
});
export type VerifyMfaCommand = CommandInput<typeof VerifyMfaCommand>;

type Outcome = { ok: true; user: UserEntity; token: string } | { ok: false };

/**
 * Second login step: mfa token (from Login) + TOTP or recovery code -> the token pair. The mfa
 * token is single use and lives 5 minutes. A wrong code counts towards the same lockout as a
 * wrong password (and a locked account is refused even with the right code); it does not use
 * up the mfa token, so a typo does not need a new password entry.
 */
@Injectable()
export class VerifyMfaUseCase {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly challenges: MfaChallengeRepository,
    private readonly mfa: MfaRepository,
    private readonly codes: MfaCodes,
    private readonly users: UserRepository,
    private readonly tenants: TenantRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
    private readonly tokens: AccessTokenIssuer,
    private readonly audit: AuditTrail,
  ) {}

  async execute(input: VerifyMfaCommand): Promise<TokenPair> {
    const command = VerifyMfaCommand.parse(input);
    const now = this.clock.now();
    const outcome = await this.unitOfWork.run<Outcome>(async (manager, emit) => {
      const challenge = await this.challenges.findByHashForUpdate(
        manager,
        this.crypto.sha256Hex(command.mfaToken),
      );
      if (!challenge || challenge.usedAt || challenge.expiresAt <= now) return { ok: false };
      const user = await this.users.findById(challenge.tenantId, challenge.userId, manager);
      if (!user) return { ok: false };
      const entry = sessionAudit(user, 'session.mfa_verify', command.context);
      const eventTenant = user.tenantId ?? PLATFORM_TENANT;
      if (user.tenantId && (await this.tenants.findById(user.tenantId, manager))?.status !== 'active') {
        await this.audit.record(manager, { ...entry, detail: { error: 'tenant_suspended' } }, 'failure');
        return { ok: false };
      }
      if (user.lockedUntil && user.lockedUntil > now) {
        emit(
          LoginFailedEvent.create(eventTenant, {
            user_id: user.id,
            failed_logins: user.failedLogins,
            locked_until: user.lockedUntil.toISOString(),
            reason: 'locked',
          }),
        );
        await this.audit.record(manager, { ...entry, detail: { error: 'locked' } }, 'failure');
        return { ok: false };
      }
      const factor = await this.mfa.findForUpdate(manager, user.tenantId, user.id);
      const method = factor?.enabledAt
        ? await this.codes.use(manager, factor, command.code, now, true)
        : null;
      if (!method) {
        await recordFailedAttempt({ users: this.users, audit: this.audit }, manager, emit, {
          user,
          entry,
          eventTenant,
          reason: 'bad_mfa_code',
          now,
        });
        return { ok: false };
      }
      await this.challenges.markUsed(manager, challenge.tenantId, challenge.id, now);
      if (user.failedLogins > 0 || user.lockedUntil)
        await this.users.resetFailedLogins(manager, user.tenantId, user.id);
      const familyId = this.crypto.uuid();
      const token = await this.tokens.refreshToken(manager, user, familyId, null);
      emit(LoginSucceededEvent.create(eventTenant, { user_id: user.id, family_id: familyId }));
      if (method === 'recovery_code') {
        const remaining = await this.mfa.countUnusedRecoveryCodes(manager, user.tenantId, user.id);
        emit(MfaRecoveryCodeUsedEvent.create(eventTenant, { user_id: user.id, remaining }));
      }
      await this.audit.record(manager, { ...entry, detail: { method, family_id: familyId } }, 'success');
      return { ok: true, user, token };
    });
    if (!outcome.ok) throw AuthError.invalidMfaCode();
    return this.tokens.pair(outcome.user, outcome.token);
  }
}
