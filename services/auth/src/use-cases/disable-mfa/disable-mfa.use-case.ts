import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actorRef } from '../../domain/actor';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { actor, requestContext, type CommandInput } from '../../domain/commands';
import { lockedUntil } from '../../domain/lockout';
import { LoginFailedEvent, MfaDisabledEvent, MfaRecoveryCodeUsedEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { MfaRepository } from '../../repositories/mfa.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AuditTrail, auditEntry } from '../../services/audit-trail';
import { MfaCodes } from '../../services/mfa-codes';
import { requireMfaUser } from '../enroll-mfa/enroll-mfa.use-case';

export const DisableMfaCommand = z.object({ actor, code: z.string().max(64), context: requestContext });
export type DisableMfaCommand = CommandInput<typeof DisableMfaCommand>;

/**
 * Turns MFA off (factor and recovery codes deleted), given a current TOTP code or an unused
 * recovery code. A wrong code counts towards the login lockout, and a locked account is refused,
 * so a stolen access token cannot brute-force its way to disabling MFA.
 */
@Injectable()
export class DisableMfaUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly mfa: MfaRepository,
    private readonly codes: MfaCodes,
    private readonly users: UserRepository,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: DisableMfaCommand): Promise<void> {
    const command = DisableMfaCommand.parse(input);
    const entry = auditEntry(command.actor, command.context, 'mfa.disable', 'user', command.actor.subjectId);
    await this.audit.mutation(entry, async (commit) => {
      const { tenantId, userId } = requireMfaUser(command.actor);
      const now = this.clock.now();
      const disabled = await commit(async (manager, emit) => {
        const user = await this.users.findById(tenantId, userId, manager);
        if (!user) throw AuthError.notFound('user', userId);
        const factor = await this.mfa.findForUpdate(manager, tenantId, userId);
        if (!factor?.enabledAt) throw new AuthError(AuthErrorCode.MfaNotEnabled, 'MFA is not active.');
        const locked = user.lockedUntil !== null && user.lockedUntil > now;
        const method = locked ? null : await this.codes.use(manager, factor, command.code, now, true);
        if (!method) {
          // Committed on purpose: the failure counts towards the lockout.
          const failures = locked
            ? user.failedLogins
            : await this.users.addFailedLogin(manager, tenantId, userId);
          const until = locked ? user.lockedUntil : lockedUntil(failures, now);
          if (!locked && until) await this.users.setLockedUntil(manager, tenantId, userId, until);
          const reason = locked ? 'locked' : 'bad_mfa_code';
          emit(
            LoginFailedEvent.create(tenantId, {
              user_id: userId,
              failed_logins: failures,
              locked_until: until?.toISOString() ?? null,
              reason,
            }),
          );
          entry.result = 'failure';
          entry.detail = { error: reason, failed_logins: failures };
          return false;
        }
        await this.mfa.remove(manager, tenantId, userId);
        if (method === 'recovery_code')
          emit(MfaRecoveryCodeUsedEvent.create(tenantId, { user_id: userId, remaining: 0 }));
        emit(MfaDisabledEvent.create(tenantId, { user_id: userId, method, by: actorRef(command.actor) }));
        entry.detail = { method };
        return true;
      });
      if (!disabled) throw AuthError.invalidMfaCode();
    });
  }
}
