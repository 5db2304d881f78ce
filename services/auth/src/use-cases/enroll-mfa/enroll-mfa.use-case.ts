import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { actor, requestContext, type CommandInput } from '../../domain/commands';
import { tenantOf } from '../../domain/guard';
import { ISSUER } from '../../domain/platform';
import { base32Encode, otpauthUri, TOTP_SECRET_BYTES } from '../../domain/totp';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';
import { MfaRepository } from '../../repositories/mfa.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AuditTrail, auditEntry } from '../../services/audit-trail';

export const EnrollMfaCommand = z.object({ actor, context: requestContext });
export type EnrollMfaCommand = CommandInput<typeof EnrollMfaCommand>;

/** MFA is a property of a person who logs in: users only (not API keys; not operators yet). */
export function requireMfaUser(a: z.output<typeof actor>): { tenantId: string; userId: string } {
  if (a.subjectType !== 'user') throw AuthError.permissionDenied('only users have MFA');
  return { tenantId: tenantOf(a), userId: a.subjectId };
}

/**
 * Starts TOTP enrolment: a new pending secret (replacing an earlier pending one) and its otpauth
 * URI. MFA becomes active only with ConfirmMfa. Refused while MFA is active (disable it first).
 */
@Injectable()
export class EnrollMfaUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly mfa: MfaRepository,
    private readonly users: UserRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: EnrollMfaCommand): Promise<{ secret: string; otpauthUri: string }> {
    const command = EnrollMfaCommand.parse(input);
    const entry = auditEntry(command.actor, command.context, 'mfa.enroll', 'user', command.actor.subjectId);
    return this.audit.mutation(entry, async (commit) => {
      const { tenantId, userId } = requireMfaUser(command.actor);
      return commit(async (manager) => {
        const user = await this.users.findById(tenantId, userId, manager);
        if (!user) throw AuthError.notFound('user', userId);
        const existing = await this.mfa.findForUpdate(manager, tenantId, userId);
        if (existing?.enabledAt)
          throw new AuthError(
            AuthErrorCode.MfaAlreadyEnabled,
            'MFA is already active; disable it first to enrol again.',
          );
        const secret = base32Encode(this.crypto.randomBytes(TOTP_SECRET_BYTES));
        await this.mfa.savePending(manager, {
          userId,
          tenantId,
          totpSecret: secret,
          enabledAt: null,
          lastUsedStep: null,
          createdAt: this.clock.now(),
        });
        return { secret, otpauthUri: otpauthUri(ISSUER, user.email, secret) };
      });
    });
  }
}
