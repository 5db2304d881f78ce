import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@brainmesh/runtime';
import type { EntityManager } from 'typeorm';
import type { AuthConfig } from '../config';
import { ISSUER } from '../domain/platform';
import type { RefreshTokenEntity } from '../entities/refresh-token.entity';
import type { UserEntity } from '../entities/user.entity';
import { ClockRepository } from '../repositories/clock.repository';
import { CryptoRepository } from '../repositories/crypto.repository';
import { RefreshTokenRepository } from '../repositories/refresh-token.repository';
import { SigningKeyRepository } from '../repositories/signing-key.repository';
import { JWT_ALG, TokenSignerRepository } from '../repositories/token-signer.repository';
import type { SigningKeyEntity } from '../entities/signing-key.entity';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** Issues access tokens (current signing key, created on first use) and refresh tokens. Shared by login and refresh. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    private readonly keys: SigningKeyRepository,
    private readonly signer: TokenSignerRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
  ) {}

  /** The current signing key, creating the first one on first use. */
  async currentKey(): Promise<SigningKeyEntity> {
    const current = await this.keys.findCurrent();
    if (current) return current;
    await this.keys.insertIfNoCurrent(await this.newKey(this.clock.now()));
    const created = await this.keys.findCurrent();
    if (!created) throw new Error('no current signing key after creating one');
    return created;
  }

  async newKey(now: Date): Promise<SigningKeyEntity> {
    const generated = await this.signer.generateKey();
    return { kid: this.crypto.uuid(), algorithm: JWT_ALG, ...generated, createdAt: now, retiredAt: null };
  }

  async accessToken(user: Pick<UserEntity, 'id' | 'tenantId' | 'role'>): Promise<string> {
    const key = await this.currentKey();
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    return this.signer.sign(
      { sub: user.id, role: user.role, ...(user.tenantId ? { tid: user.tenantId } : {}) },
      key,
      ISSUER,
      iat,
      iat + this.config.ACCESS_TOKEN_TTL_S,
    );
  }

  /** Stores a new refresh token of `familyId` (child of `parentId`) and returns the opaque token. */
  async refreshToken(
    manager: EntityManager,
    user: Pick<UserEntity, 'id' | 'tenantId'>,
    familyId: string,
    parentId: string | null,
  ): Promise<string> {
    const token = this.crypto.opaqueToken();
    const now = this.clock.now();
    const row: RefreshTokenEntity = {
      id: this.crypto.uuid(),
      tenantId: user.tenantId,
      userId: user.id,
      tokenHash: this.crypto.sha256Hex(token),
      familyId,
      parentId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.REFRESH_TOKEN_TTL_S * 1000),
      usedAt: null,
      revokedAt: null,
    };
    await this.refreshTokens.insert(manager, row);
    return token;
  }

  async pair(user: Pick<UserEntity, 'id' | 'tenantId' | 'role'>, refreshToken: string): Promise<TokenPair> {
    return {
      accessToken: await this.accessToken(user),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.config.ACCESS_TOKEN_TTL_S,
    };
  }
}
