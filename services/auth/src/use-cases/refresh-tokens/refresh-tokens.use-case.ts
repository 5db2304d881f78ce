import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { requestContext, type CommandInput } from '../../domain/commands';
import { UnitOfWork } from '@brainmesh/runtime';
import { AuthError } from '../../domain/auth-error';
import { PLATFORM_TENANT } from '../../domain/platform';
import type { UserEntity } from '../../entities/user.entity';
import { RefreshTokenReuseDetectedEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';
import { RefreshTokenRepository } from '../../repositories/refresh-token.repository';
import { TenantRepository } from '../../repositories/tenant.repository';
import { UserRepository } from '../../repositories/user.repository';
import { AccessTokenIssuer, type TokenPair } from '../../services/access-token-issuer';
import { AuditTrail } from '../../services/audit-trail';
import { sessionAudit } from '../login/login.use-case';

export const RefreshTokensCommand = z.object({
  refreshToken: z.string().min(1).max(200),
  context: requestContext,
});
export type RefreshTokensCommand = CommandInput<typeof RefreshTokensCommand>;

type Outcome = { ok: true; user: UserEntity; token: string } | { ok: false };

/**
 * Rotates a refresh token on every use. Presenting a token that was already used means it was
 * stolen (or replayed): the whole family is revoked and the answer is UNAUTHENTICATED.
 */
@Injectable()
export class RefreshTokensUseCase {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly users: UserRepository,
    private readonly tenants: TenantRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
    private readonly tokens: AccessTokenIssuer,
    private readonly audit: AuditTrail,
  ) {}

  async execute(input: RefreshTokensCommand): Promise<TokenPair> {
    const command = RefreshTokensCommand.parse(input);
    const now = this.clock.now();
    const outcome = await this.unitOfWork.run<Outcome>(async (manager, emit) => {
      const row = await this.refreshTokens.findByHashForUpdate(
        manager,
        this.crypto.sha256Hex(command.refreshToken),
      );
      if (!row || row.revokedAt || row.expiresAt <= now) return { ok: false };
      if (row.usedAt) {
        const revoked = await this.refreshTokens.revokeFamily(manager, row.tenantId, row.familyId, now);
        emit(
          RefreshTokenReuseDetectedEvent.create(row.tenantId ?? PLATFORM_TENANT, {
            user_id: row.userId,
            family_id: row.familyId,
            revoked_tokens: revoked,
          }),
        );
        await this.audit.record(
          manager,
          {
            tenantId: row.tenantId,
            actorType: 'anonymous',
            actorId: null,
            action: 'session.refresh',
            targetType: 'user',
            targetId: row.userId,
            context: command.context,
            detail: { error: 'reuse_detected', family_id: row.familyId, revoked_tokens: revoked },
          },
          'failure',
        );
        return { ok: false };
      }
      const user = await this.users.findById(row.tenantId, row.userId, manager);
      if (!user) return { ok: false };
      if (user.tenantId) {
        const tenant = await this.tenants.findById(user.tenantId, manager);
        if (tenant?.status !== 'active') return { ok: false };
      }
      await this.refreshTokens.markUsed(manager, row.tenantId, row.id, now);
      const detail = { family_id: row.familyId };
      await this.audit.record(
        manager,
        { ...sessionAudit(user, 'session.refresh', command.context), detail },
        'success',
      );
      return { ok: true, user, token: await this.tokens.refreshToken(manager, user, row.familyId, row.id) };
    });
    if (!outcome.ok) throw AuthError.invalidToken('The refresh token is invalid, expired or revoked.');
    return this.tokens.pair(outcome.user, outcome.token);
  }
}
