import { Injectable } from '@nestjs/common';
import { isUniqueViolation } from '@brainmesh/db';
import { z } from '@brainmesh/config';
import { AiError, AiErrorCode } from '../../domain/ai-error';
import { actor, id, ownerForWrite, type CommandInput } from '../../domain/commands';
import { apiKey, apiVersion, baseUrl, headers, providerName } from '../../domain/provider-rules';
import type { ProviderEntity } from '../../entities/provider.entity';
import { ClockRepository } from '../../repositories/clock.repository';
import { ProviderRepository } from '../../repositories/provider.repository';
import { ConfigCache } from '../../services/config-cache';
import { ProviderSecrets } from '../../services/provider-secrets';

export const UpdateProviderCommand = z.object({
  actor,
  id,
  name: providerName.optional(),
  baseUrl: baseUrl.optional(),
  apiKey: apiKey.optional(),
  headers: z.object({ values: headers }).optional(),
  apiVersion: apiVersion.optional(),
});
export type UpdateProviderCommand = CommandInput<typeof UpdateProviderCommand>;

/** Changes a provider; a new api_key or headers are resealed (key rotation of the credential). */
@Injectable()
export class UpdateProviderUseCase {
  constructor(
    private readonly providers: ProviderRepository,
    private readonly secrets: ProviderSecrets,
    private readonly clock: ClockRepository,
    private readonly cache: ConfigCache,
  ) {}

  async execute(input: UpdateProviderCommand): Promise<ProviderEntity> {
    const command = UpdateProviderCommand.parse(input);
    const owner = ownerForWrite(command.actor);
    const provider = await this.providers.findOwned(owner, command.id);
    if (!provider) throw AiError.notFound('provider', command.id);
    if (command.name !== undefined) provider.name = command.name;
    if (command.baseUrl !== undefined) provider.baseUrl = command.baseUrl;
    if (command.apiVersion !== undefined) provider.apiVersion = command.apiVersion;
    if (command.apiKey !== undefined || command.headers !== undefined) {
      const current = this.secrets.open(provider);
      const next = {
        apiKey: command.apiKey ?? current.apiKey,
        headers: command.headers?.values ?? current.headers,
      };
      provider.secretSealed = this.secrets.seal(provider.id, next);
      provider.headerNames = Object.keys(next.headers).sort();
      provider.hasApiKey = next.apiKey !== undefined;
    }
    provider.updatedAt = this.clock.now();
    try {
      await this.providers.save(provider);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AiError(AiErrorCode.AlreadyExists, `A provider named '${provider.name}' already exists.`, {
          errors: [{ field: 'name', message: 'already exists' }],
        });
      throw err;
    }
    this.cache.clear();
    return provider;
  }
}
