import { Injectable } from '@nestjs/common';
import { AiError, AiErrorCode } from '../domain/ai-error';
import type { RouteKind } from '../domain/route';
import type { StoredDeployment } from '../entities/route.entity';
import { ProviderRepository } from '../repositories/provider.repository';

/**
 * A route may only send calls to providers of its own owner (a tenant's route to the tenant's
 * providers, a platform route to platform providers), and embeddings routes only to providers
 * that have embeddings.
 */
@Injectable()
export class RouteValidation {
  constructor(private readonly providers: ProviderRepository) {}

  async check(owner: string | null, kind: RouteKind, deployments: StoredDeployment[]): Promise<void> {
    const ids = [...new Set(deployments.map((d) => d.provider_id))];
    const found = new Map((await this.providers.findManyOwned(owner, ids)).map((p) => [p.id, p]));
    const errors = deployments.flatMap((d, i) => {
      const provider = found.get(d.provider_id);
      if (!provider) return [{ field: `deployments[${i}].provider_id`, message: 'no such provider' }];
      if (kind === 'embeddings' && provider.type === 'anthropic')
        return [{ field: `deployments[${i}].provider_id`, message: 'anthropic has no embeddings' }];
      return [];
    });
    if (errors.length > 0)
      throw new AiError(
        AiErrorCode.InvalidArgument,
        errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        {
          errors,
        },
      );
  }
}
