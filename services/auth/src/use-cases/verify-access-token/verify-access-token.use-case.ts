import { Inject, Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import type { CommandInput } from '../../domain/commands';
import { SERVICE_CONFIG } from '@brainmesh/runtime';
import type { AuthConfig } from '../../config';
import type { Actor } from '../../domain/actor';
import { AuthError } from '../../domain/auth-error';
import { ISSUER } from '../../domain/platform';
import { ClockRepository } from '../../repositories/clock.repository';
import { SigningKeyRepository } from '../../repositories/signing-key.repository';
import { TenantRepository } from '../../repositories/tenant.repository';
import { TokenSignerRepository } from '../../repositories/token-signer.repository';
import { UserRepository } from '../../repositories/user.repository';

export const VerifyAccessTokenCommand = z.object({ accessToken: z.string().min(1).max(4096) });
export type VerifyAccessTokenCommand = CommandInput<typeof VerifyAccessTokenCommand>;

/** Checks signature (published keys only), expiry and issuer, then that the user and an active tenant still exist. */
@Injectable()
export class VerifyAccessTokenUseCase {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    private readonly keys: SigningKeyRepository,
    private readonly signer: TokenSignerRepository,
    private readonly users: UserRepository,
    private readonly tenants: TenantRepository,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: VerifyAccessTokenCommand): Promise<{ actor: Actor; expiresAt: Date }> {
    const command = VerifyAccessTokenCommand.parse(input);
    const now = this.clock.now();
    const retiredAfter = new Date(now.getTime() - this.config.SIGNING_KEY_RETENTION_S * 1000);
    const claims = await this.signer.verify(
      command.accessToken,
      async (kid) =>
        (await this.keys.listPublished(retiredAfter)).find((k) => k.kid === kid)?.publicJwk ?? null,
      ISSUER,
      now,
    );
    if (!claims) throw AuthError.invalidToken();
    const user = await this.users.findById(claims.tid ?? null, claims.sub);
    if (!user) throw AuthError.invalidToken();
    let plan: string | undefined;
    if (user.tenantId) {
      const tenant = await this.tenants.findById(user.tenantId);
      if (tenant?.status !== 'active') throw AuthError.invalidToken('The tenant of this token is suspended.');
      plan = tenant.plan;
    }
    const actor: Actor =
      user.role === 'operator'
        ? { subjectType: 'operator', subjectId: user.id, tenantId: undefined, role: 'operator', scopes: [] }
        : {
            subjectType: 'user',
            subjectId: user.id,
            tenantId: user.tenantId!,
            role: user.role,
            scopes: [],
            plan,
          };
    return { actor, expiresAt: new Date(claims.exp * 1000) };
  }
}
