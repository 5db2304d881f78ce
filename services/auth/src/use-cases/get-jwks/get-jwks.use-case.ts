import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@brainmesh/runtime';
import type { AuthConfig } from '../../config';
import { ClockRepository } from '../../repositories/clock.repository';
import { SigningKeyRepository } from '../../repositories/signing-key.repository';
import { JWT_ALG } from '../../repositories/token-signer.repository';
import { AccessTokenIssuer } from '../../services/access-token-issuer';

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: string;
  use: string;
}

/** The public keys verifying access tokens: the current key and keys retired within the retention. */
@Injectable()
export class GetJwksUseCase {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    private readonly keys: SigningKeyRepository,
    private readonly issuer: AccessTokenIssuer,
    private readonly clock: ClockRepository,
  ) {}

  async execute(): Promise<PublicJwk[]> {
    await this.issuer.currentKey(); // a fresh install publishes its first key before the first login
    const retiredAfter = new Date(this.clock.now().getTime() - this.config.SIGNING_KEY_RETENTION_S * 1000);
    return (await this.keys.listPublished(retiredAfter)).map((k) => ({
      kty: k.publicJwk.kty!,
      crv: k.publicJwk.crv!,
      x: k.publicJwk.x!,
      kid: k.kid,
      alg: JWT_ALG,
      use: 'sig',
    }));
  }
}
