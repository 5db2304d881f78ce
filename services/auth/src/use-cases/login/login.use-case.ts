import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { UnitOfWork } from '@brainmesh/runtime';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { optionalString, slug, type CommandInput } from '../../domain/commands';
import { lockedUntil } from '../../domain/lockout';
import { PLATFORM_TENANT } from '../../domain/platform';
import { LoginFailedEvent, LoginSucceededEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';
import { PasswordHasherRepository } from '../../repositories/password-hasher.repository';
import { TenantRepository } from '../../repositories/tenant.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AccessTokenIssuer, type TokenPair } from '../../services/access-token-issuer';

export const LoginCommand = z.object({
  // Not validated as an email: a malformed one must get the same answer as a wrong one.
  email: z.string().trim().toLowerCase().max(254),
  password: z.string().max(256),
  tenant: optionalString(slug.or(z.string().max(64))),
});
export type LoginCommand = CommandInput<typeof LoginCommand>;

/**
 * Email + password (+ tenant slug) -> tokens. Every failure (unknown tenant or email, wrong
 * password, locked account) is the same UNAUTHENTICATED answer after one argon2 verification.
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
  ) {}

  async execute(input: LoginCommand): Promise<TokenPair> {
    const command = LoginCommand.parse(input);
    const now = this.clock.now();
    const tenant = command.tenant ? await this.tenants.findBySlug(command.tenant) : null;
    const user =
      command.tenant && !tenant ? null : await this.users.findByEmail(tenant?.id ?? null, command.email);
    if (!user) {
      await this.hasher.verifyDummy(command.password);
      throw AuthError.invalidCredentials();
    }
    const eventTenant = user.tenantId ?? PLATFORM_TENANT;

    if (user.lockedUntil && user.lockedUntil > now) {
      await this.hasher.verifyDummy(command.password);
      await this.unitOfWork.run(async (_m, emit) =>
        emit(
          LoginFailedEvent.create(eventTenant, {
            user_id: user.id,
            failed_logins: user.failedLogins,
            locked_until: user.lockedUntil!.toISOString(),
            reason: 'locked',
          }),
        ),
      );
      throw AuthError.invalidCredentials();
    }

    if (!(await this.hasher.verify(user.passwordHash, command.password))) {
      await this.unitOfWork.run(async (manager, emit) => {
        const failures = await this.users.addFailedLogin(manager, user.tenantId, user.id);
        const until = lockedUntil(failures, now);
        if (until) await this.users.setLockedUntil(manager, user.tenantId, user.id, until);
        emit(
          LoginFailedEvent.create(eventTenant, {
            user_id: user.id,
            failed_logins: failures,
            locked_until: until?.toISOString() ?? null,
            reason: 'bad_password',
          }),
        );
      });
      throw AuthError.invalidCredentials();
    }

    // The password is right: from here on, saying why is no leak.
    if (tenant && tenant.status !== 'active') {
      throw new AuthError(AuthErrorCode.TenantSuspended, 'The tenant is suspended.');
    }
    const refreshToken = await this.unitOfWork.run(async (manager, emit) => {
      if (user.failedLogins > 0 || user.lockedUntil)
        await this.users.resetFailedLogins(manager, user.tenantId, user.id);
      const familyId = this.crypto.uuid();
      const token = await this.tokens.refreshToken(manager, user, familyId, null);
      emit(LoginSucceededEvent.create(eventTenant, { user_id: user.id, family_id: familyId }));
      return token;
    });
    return this.tokens.pair(user, refreshToken);
  }
}
