import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actorRef } from '../../domain/actor';
import { AuthError, AuthErrorCode } from '../../domain/auth-error';
import { formatApiKey } from '../../domain/base62';
import { actor, optionalString, requestContext, type CommandInput } from '../../domain/commands';
import { requirePermission, tenantOf } from '../../domain/guard';
import { API_KEY_SCOPES, canGrantScopes } from '../../domain/permissions';
import type { ApiKeyEntity } from '../../entities/api-key.entity';
import { ApiKeyCreatedEvent } from '../../events/auth-events';
import { ApiKeyRepository } from '../../repositories/api-key.repository';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';
import { AuditTrail, auditEntry } from '../../services/audit-trail';

export const CreateApiKeyCommand = z.object({
  actor,
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(z.enum(API_KEY_SCOPES))
    .min(1)
    .max(API_KEY_SCOPES.length)
    .transform((s) => [...new Set(s)]),
  expiresAt: optionalString(z.iso.datetime({ offset: true }).transform((s) => new Date(s))),
  context: requestContext,
});
export type CreateApiKeyCommand = CommandInput<typeof CreateApiKeyCommand>;

/** Creates an API key in the actor's tenant; the key is returned once and only its hash is kept. */
@Injectable()
export class CreateApiKeyUseCase {
  constructor(
    private readonly audit: AuditTrail,
    private readonly apiKeys: ApiKeyRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: CreateApiKeyCommand): Promise<{ apiKey: ApiKeyEntity; key: string }> {
    const command = CreateApiKeyCommand.parse(input);
    const entry = auditEntry(command.actor, command.context, 'api_key.create', 'api_key');
    entry.detail = { name: command.name, scopes: command.scopes };
    return this.audit.mutation(entry, async (commit) => {
      const tenantId = tenantOf(command.actor);
      requirePermission(command.actor, 'api_keys:write', tenantId);
      if (!canGrantScopes(command.actor, command.scopes)) {
        throw AuthError.permissionDenied(
          'an API key cannot get scopes beyond the permissions of its creator',
        );
      }
      const now = this.clock.now();
      if (command.expiresAt && command.expiresAt <= now) {
        throw new AuthError(AuthErrorCode.InvalidArgument, 'expires_at must be in the future.');
      }
      return commit(async (manager, emit) => {
        const created = await this.create(
          manager,
          tenantId,
          command.name,
          command.scopes,
          command.expiresAt ?? null,
          actorRef(command.actor),
          now,
        );
        emit(
          ApiKeyCreatedEvent.create(tenantId, {
            api_key_id: created.apiKey.id,
            prefix: created.apiKey.prefix,
            name: created.apiKey.name,
            scopes: created.apiKey.scopes,
            expires_at: created.apiKey.expiresAt?.toISOString() ?? null,
            by: created.apiKey.createdBy,
          }),
        );
        entry.targetId = created.apiKey.id;
        entry.detail = {
          ...entry.detail,
          prefix: created.apiKey.prefix,
          expires_at: created.apiKey.expiresAt?.toISOString() ?? null,
        };
        return created;
      });
    });
  }

  /** Generates and stores a key inside a caller's transaction (also used by Bootstrap). */
  async create(
    manager: Parameters<ApiKeyRepository['insert']>[0],
    tenantId: string,
    name: string,
    scopes: ApiKeyEntity['scopes'],
    expiresAt: Date | null,
    createdBy: string,
    now: Date,
  ): Promise<{ apiKey: ApiKeyEntity; key: string }> {
    const { key, prefix } = formatApiKey(this.crypto.randomBytes(32));
    const apiKey: ApiKeyEntity = {
      id: this.crypto.uuid(),
      tenantId,
      name,
      prefix,
      keyHash: this.crypto.sha256Hex(key),
      scopes,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      createdBy,
      createdAt: now,
    };
    await this.apiKeys.insert(manager, apiKey);
    return { apiKey, key };
  }
}
