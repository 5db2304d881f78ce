import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actorRef } from '../../domain/actor';
import { AuthError } from '../../domain/auth-error';
import { actor, id, requestContext, type CommandInput } from '../../domain/commands';
import { requirePermission, tenantOf } from '../../domain/guard';
import type { ApiKeyEntity } from '../../entities/api-key.entity';
import { ApiKeyRevokedEvent } from '../../events/auth-events';
import { ApiKeyRepository } from '../../repositories/api-key.repository';
import { ClockRepository } from '../../repositories/clock.repository';
import { AuditTrail, auditEntry } from '../../services/audit-trail';

export const RevokeApiKeyCommand = z.object({ actor, id: z.string(), context: requestContext });
export type RevokeApiKeyCommand = CommandInput<typeof RevokeApiKeyCommand>;

/** Revokes a key of the actor's tenant (another tenant's id is NOT_FOUND). Idempotent. */
@Injectable()
export class RevokeApiKeyUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly apiKeys: ApiKeyRepository,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: RevokeApiKeyCommand): Promise<ApiKeyEntity> {
    const command = RevokeApiKeyCommand.parse(input);
    const entry = auditEntry(
      command.actor,
      command.context,
      'api_key.revoke',
      'api_key',
      command.id.slice(0, 64),
    );
    return this.audit.mutation(entry, async (commit) => {
      const tenantId = tenantOf(command.actor);
      requirePermission(command.actor, 'api_keys:write', tenantId);
      if (!id.safeParse(command.id).success) throw AuthError.notFound('API key', command.id);
      return commit(async (manager, emit) => {
        const key = await this.apiKeys.findById(tenantId, command.id, manager);
        if (!key) throw AuthError.notFound('API key', command.id);
        if (key.revokedAt) {
          entry.detail = { already_revoked: true };
          return key;
        }
        key.revokedAt = this.clock.now();
        await this.apiKeys.revoke(manager, tenantId, key.id, key.revokedAt);
        emit(ApiKeyRevokedEvent.create(tenantId, { api_key_id: key.id, by: actorRef(command.actor) }));
        return key;
      });
    });
  }
}
