import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import type { CommandInput } from '../../domain/commands';
import { AuthError } from '../../domain/auth-error';
import { API_KEY_PATTERN } from '../../domain/base62';
import type { ApiKeyScope } from '../../domain/permissions';
import type { TenantStatus } from '../../entities/tenant.entity';
import { ApiKeyRepository } from '../../repositories/api-key.repository';
import { ClockRepository } from '../../repositories/clock.repository';
import { CryptoRepository } from '../../repositories/crypto.repository';

export const AuthenticateApiKeyCommand = z.object({ key: z.string().max(200) });
export type AuthenticateApiKeyCommand = CommandInput<typeof AuthenticateApiKeyCommand>;

export interface ApiKeyPrincipal {
  tenantId: string;
  apiKeyId: string;
  scopes: ApiKeyScope[];
  tenantStatus: TenantStatus;
  plan: string;
}

/** last_used_at is written at most once a minute per key. */
export const LAST_USED_INTERVAL_MS = 60_000;

/** An API key -> its principal; UNAUTHENTICATED for malformed, unknown, revoked, expired keys or a suspended tenant. */
@Injectable()
export class AuthenticateApiKeyUseCase {
  constructor(
    private readonly apiKeys: ApiKeyRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: AuthenticateApiKeyCommand): Promise<ApiKeyPrincipal> {
    const { key } = AuthenticateApiKeyCommand.parse(input);
    if (!API_KEY_PATTERN.test(key)) throw AuthError.invalidApiKey();
    const found = await this.apiKeys.findByHashWithTenant(this.crypto.sha256Hex(key));
    const now = this.clock.now();
    if (
      !found ||
      found.key.revokedAt ||
      (found.key.expiresAt && found.key.expiresAt <= now) ||
      found.tenantStatus !== 'active'
    ) {
      throw AuthError.invalidApiKey();
    }
    const last = found.key.lastUsedAt;
    if (!last || now.getTime() - last.getTime() >= LAST_USED_INTERVAL_MS) {
      await this.apiKeys.touchLastUsed(found.key.tenantId, found.key.id, now, LAST_USED_INTERVAL_MS);
    }
    return {
      tenantId: found.key.tenantId,
      apiKeyId: found.key.id,
      scopes: found.key.scopes,
      tenantStatus: found.tenantStatus,
      plan: found.tenantPlan,
    };
  }
}
