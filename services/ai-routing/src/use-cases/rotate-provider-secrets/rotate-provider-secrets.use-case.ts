import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from '@brainmesh/logging';
import { LOGGER } from '@brainmesh/runtime';
import { ClockRepository } from '../../repositories/clock.repository';
import { ProviderRepository } from '../../repositories/provider.repository';
import { ProviderSecrets } from '../../services/provider-secrets';

/**
 * Key rotation of provider credentials: reseals every secret not sealed with the primary key of
 * PROVIDER_SECRET_KEYS. Runs at start-up (idempotent; replicas racing reseal the same plaintext),
 * so rotating is: put the new key first, keep the old one second, roll out, then drop the old key.
 */
@Injectable()
export class RotateProviderSecretsUseCase implements OnApplicationBootstrap {
  constructor(
    private readonly providers: ProviderRepository,
    private readonly secrets: ProviderSecrets,
    private readonly clock: ClockRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(): Promise<number> {
    let resealed = 0;
    for (const provider of await this.providers.listAllSealed()) {
      if (!provider.secretSealed || !this.secrets.needsRotation(provider.secretSealed)) continue;
      provider.secretSealed = this.secrets.seal(provider.id, this.secrets.open(provider));
      provider.updatedAt = this.clock.now();
      await this.providers.save(provider);
      resealed += 1;
    }
    return resealed;
  }

  async onApplicationBootstrap(): Promise<void> {
    const resealed = await this.execute();
    if (resealed > 0) this.logger.info({ resealed }, 'provider credentials resealed with the primary key');
  }
}
