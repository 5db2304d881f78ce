import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actorRef } from '../../domain/actor';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { actor, requestContext, type CommandInput } from '../../domain/commands';
import { MfaEnabledEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { MfaRepository } from '../../repositories/mfa.repository';
import { AuditTrail, auditEntry } from '../../services/audit-trail';
import { MfaCodes } from '../../services/mfa-codes';
import { requireMfaUser } from '../enroll-mfa/enroll-mfa.use-case';

export const ConfirmMfaCommand = z.object({ actor, code: z.string().max(64), context: requestContext });
export type ConfirmMfaCommand = CommandInput<typeof ConfirmMfaCommand>;

/** Activates the pending TOTP secret with a valid code and returns 10 one-time recovery codes (once). */
@Injectable()
export class ConfirmMfaUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly mfa: MfaRepository,
    private readonly codes: MfaCodes,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: ConfirmMfaCommand): Promise<{ recoveryCodes: string[] }> {
    const command = ConfirmMfaCommand.parse(input);
    const entry = auditEntry(command.actor, command.context, 'mfa.confirm', 'user', command.actor.subjectId);
    return this.audit.mutation(entry, async (commit) => {
      const { tenantId, userId } = requireMfaUser(command.actor);
      const now = this.clock.now();
      return commit(async (manager, emit) => {
        const factor = await this.mfa.findForUpdate(manager, tenantId, userId);
        if (!factor)
          throw new AuthError(
            AuthErrorCode.MfaNotEnrolled,
            'There is no pending MFA enrolment; call EnrollMfa first.',
          );
        if (factor.enabledAt) throw new AuthError(AuthErrorCode.MfaAlreadyEnabled, 'MFA is already active.');
        if (!(await this.codes.use(manager, factor, command.code, now, false)))
          throw AuthError.invalidMfaCode();
        await this.mfa.enable(manager, tenantId, userId, now);
        const recoveryCodes = await this.codes.issueRecoveryCodes(manager, factor, now);
        emit(MfaEnabledEvent.create(tenantId, { user_id: userId, by: actorRef(command.actor) }));
        entry.detail = { recovery_codes: recoveryCodes.length };
        return { recoveryCodes };
      });
    });
  }
}
