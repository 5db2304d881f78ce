import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { UnitOfWork } from '@brainmesh/runtime';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { optionalString, requestContext, slug, type CommandInput } from '../../domain/commands';
import { PLATFORM_TENANT } from '../../domain/platform';
import type { UserEntity } from '../../entities/user.entity';
import { LoginFailedEvent, LoginSucceededEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';
import { MfaChallengeRepository } from '../../repositories/mfa-challenge.repository';
import { MfaRepository } from '../../repositories/mfa.repository';
import { PasswordHasherRepository } from '../../repositories/password-hasher.repository';
import { TenantRepository } from '../../repositories/tenant.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AccessTokenIssuer, type TokenPair } from '../../services/access-token-issuer';
import { AuditTrail, type AuditEntry } from '../../services/audit-trail';
import { recordFailedAttempt } from '../../services/failed-attempt';

export const LoginCommand = z.object({
  // Not validated as an email: a malformed one must get the same answer as a wrong one.
  email: z.string().trim().toLowerCase().max(254),
  password: z.string().max(256),
  tenant: optionalString(slug.or(z.string().max(64))),
  context: requestContext,
});
export type LoginCommand = CommandInput<typeof LoginCommand>;

/** Lifetime of the mfa token a user with MFA gets from Login. */
export const MFA_TOKEN_TTL_MS = 5 * 60 * 1000;

/** A user with MFA gets this instead of tokens: VerifyMfa(mfaToken, code) gives the tokens. */
export interface MfaChallenge {
  mfaRequired: true;
  mfaToken: string;
}
export type LoginResult = TokenPair | MfaChallenge;

/** The audit entry of a login (or MFA step) of a known user. */
export function sessionAudit(
  user: Pick<UserEntity, 'id' | 'tenantId' | 'role'>,
  action: string,
  context: AuditEntry['context'],
): AuditEntry {
  return {
    tenantId: user.tenantId,
    actorType: user.role === 'operator' ? 'operator' : 'user',
    actorId: user.id,
    action,
    targetType: 'user',
    targetId: user.id,
    context,
    detail: {},
  };
}

/**
 * Email + password (+ tenant slug) -> tokens, or for a user with MFA an mfa token for VerifyMfa.
 * Every failure (unknown tenant or email, wrong password, locked account) is the same
 * UNAUTHENTICATED answer after one argon2 verification, and is audited as `session.login` failure.
 */
@Injectable()
export class LoginUseCase {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly tenants: TenantRepository,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasherRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
    private readonly tokens: AccessTokenIssuer,
    private readonly audit: AuditTrail,
    private readonly mfa: MfaRepository,
    private readonly challenges: MfaChallengeRepository,
  ) {}

  async execute(input: LoginCommand): Promise<LoginResult> {
    const command = LoginCommand.parse(input);
    const now = this.clock.now();
    const tenant = command.tenant ? await this.tenants.findBySlug(command.tenant) : null;
    const user =
      command.tenant && !tenant ? null : await this.users.findByEmail(tenant?.id ?? null, command.email);
    if (!user) {
      await this.hasher.verifyDummy(command.password);
      await this.audit.recordAlone(
        {
          tenantId: tenant?.id ?? null,
          actorType: 'anonymous',
          actorId: null,
          action: 'session.login',
          targetType: 'user',
          targetId: null,
          context: command.context,
          detail: { error: 'unknown_user', email: command.email, tenant: command.tenant ?? null },
        },
        'failure',
      );
      throw AuthError.invalidCredentials();
    }
    const eventTenant = user.tenantId ?? PLATFORM_TENANT;
    const entry = sessionAudit(user, 'session.login', command.context);

    if (user.lockedUntil && user.lockedUntil > now) {
      await this.hasher.verifyDummy(command.password);
      await this.unitOfWork.run(async (manager, emit) => {
        emit(
          LoginFailedEvent.create(eventTenant, {
            user_id: user.id,
            failed_logins: user.failedLogins,
            locked_until: user.lockedUntil!.toISOString(),
            reason: 'locked',
          }),
        );
        await this.audit.record(manager, { ...entry, detail: { error: 'locked' } }, 'failure');
      });
      throw AuthError.invalidCredentials();
    }

    if (!(await this.hasher.verify(user.passwordHash, command.password))) {
      await this.unitOfWork.run((manager, emit) =>
        recordFailedAttempt({ users: this.users, audit: this.audit }, manager, emit, {
          user,
          entry,
          eventTenant,
          reason: 'bad_password',
          now,
        }),
      );
      throw AuthError.invalidCredentials();
    }

    // The password is right: from here on, saying why is no leak.
    if (tenant && tenant.status !== 'active') {
      await this.audit.recordAlone({ ...entry, detail: { error: AuthErrorCode.TenantSuspended } }, 'failure');
      throw new AuthError(AuthErrorCode.TenantSuspended, 'The tenant is suspended.');
    }

    const factor = await this.mfa.find(user.tenantId, user.id);
    if (factor?.enabledAt) {
      // The failure count is reset only after the second factor, so the password alone cannot
      // reset the lockout that wrong codes build up.
      const mfaToken = this.crypto.opaqueToken();
      await this.unitOfWork.run(async (manager) => {
        await this.challenges.insert(manager, {
          id: this.crypto.uuid(),
          tenantId: user.tenantId,
          userId: user.id,
          tokenHash: this.crypto.sha256Hex(mfaToken),
          expiresAt: new Date(now.getTime() + MFA_TOKEN_TTL_MS),
          usedAt: null,
          createdAt: now,
        });
        await this.audit.record(manager, { ...entry, detail: { mfa_required: true } }, 'success');
      });
      return { mfaRequired: true, mfaToken };
    }

    const refreshToken = await this.unitOfWork.run(async (manager, emit) => {
      if (user.failedLogins > 0 || user.lockedUntil)
        await this.users.resetFailedLogins(manager, user.tenantId, user.id);
      const familyId = this.crypto.uuid();
      const token = await this.tokens.refreshToken(manager, user, familyId, null);
      emit(LoginSucceededEvent.create(eventTenant, { user_id: user.id, family_id: familyId }));
      await this.audit.record(manager, { ...entry, detail: { family_id: familyId } }, 'success');
      return token;
    });
    return this.tokens.pair(user, refreshToken);
  }
}
