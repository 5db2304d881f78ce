import { Inject, Injectable } from '@nestjs/common';
import type { authV1 } from '@brainmesh/contracts';
import { ProblemException, SERVICE_CONFIG, problem } from '@brainmesh/runtime';
import type { GatewayConfig } from '../config';
import { AuthClientRepository } from '../repositories/auth-client.repository';
import { CredentialCache } from './credential-cache';

export type Actor = authV1.Actor;

export function unauthenticated(detail: string): ProblemException {
  return new ProblemException(problem(401, detail));
}

/**
 * Turns `Authorization: Bearer <API key or access token>` into the Actor every downstream call
 * carries. Verified credentials are cached for AUTH_CACHE_TTL_MS (at most 5 s), so a hot key costs
 * no gRPC call per request and a revocation still takes effect within that bound.
 */
@Injectable()
export class Authenticator {
  private readonly cache: CredentialCache<Actor>;

  constructor(
    private readonly auth: AuthClientRepository,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
  ) {
    this.cache = new CredentialCache(config.AUTH_CACHE_TTL_MS);
  }

  authenticate(authorization: string | undefined): Promise<Actor> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) {
      return Promise.reject(
        unauthenticated('Send your API key or access token as `Authorization: Bearer <credential>`.'),
      );
    }
    const credential = match[1]!;
    return this.cache.getOrLoad(credential, () =>
      credential.startsWith('bm_') ? this.fromApiKey(credential) : this.fromAccessToken(credential),
    );
  }

  private async fromApiKey(key: string): Promise<Actor> {
    const principal = await this.auth.call('authenticateApiKey', { key });
    return {
      subjectType: 'api_key',
      subjectId: principal.apiKeyId,
      tenantId: principal.tenantId,
      role: '',
      scopes: principal.scopes,
      plan: principal.plan,
    };
  }

  private async fromAccessToken(accessToken: string): Promise<Actor> {
    const { actor } = await this.auth.call('verifyAccessToken', { accessToken });
    if (!actor) throw unauthenticated('The access token is not valid.');
    return actor;
  }
}
