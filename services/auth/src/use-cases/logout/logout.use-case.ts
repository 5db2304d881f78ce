import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { requestContext, type CommandInput } from '../../domain/commands';
import { UnitOfWork } from '@brainmesh/runtime';
import { PLATFORM_TENANT } from '../../domain/platform';
import { SessionRevokedEvent } from '../../events/auth-events';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';
import { RefreshTokenRepository } from '../../repositories/refresh-token.repository';
import { AuditTrail } from '../../services/audit-trail';

export const LogoutCommand = z.object({
  refreshToken: z.string().min(1).max(200),
  context: requestContext,
});
export type LogoutCommand = CommandInput<typeof LogoutCommand>;

/** Ends a session: revokes the family of the presented refresh token. Idempotent; unknown tokens are ignored. */
@Injectable()
export class LogoutUseCase {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
    private readonly audit: AuditTrail,
  ) {}

  async execute(input: LogoutCommand): Promise<void> {
    const command = LogoutCommand.parse(input);
    await this.unitOfWork.run(async (manager, emit) => {
      const row = await this.refreshTokens.findByHashForUpdate(
        manager,
        this.crypto.sha256Hex(command.refreshToken),
      );
      if (!row) return;
      const revoked = await this.refreshTokens.revokeFamily(
        manager,
        row.tenantId,
        row.familyId,
        this.clock.now(),
      );
      if (revoked > 0) {
        emit(
          SessionRevokedEvent.create(row.tenantId ?? PLATFORM_TENANT, {
            user_id: row.userId,
            family_id: row.familyId,
          }),
        );
        await this.audit.record(
          manager,
          {
            tenantId: row.tenantId,
            actorType: row.tenantId ? 'user' : 'operator',
            actorId: row.userId,
            action: 'session.logout',
            targetType: 'user',
            targetId: row.userId,
            context: command.context,
            detail: { family_id: row.familyId, revoked_tokens: revoked },
          },
          'success',
        );
      }
    });
  }
}
