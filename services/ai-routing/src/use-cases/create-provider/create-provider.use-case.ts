import { Injectable } from '@nestjs/common';
import { isUniqueViolation } from '@brainmesh/db';
import { z } from '@brainmesh/config';
import { AiError, AiErrorCode } from '../../domain/ai-error';
import { actor, optionalString, ownerForWrite, type CommandInput } from '../../domain/commands';
import {
  apiKey,
  apiVersion,
  baseUrl,
  headers,
  providerName,
  providerType,
} from '../../domain/provider-rules';
import type { ProviderEntity } from '../../entities/provider.entity';
import { ClockRepository } from '../../repositories/clock.repository';
import { ProviderRepository } from '../../repositories/provider.repository';
import { ConfigCache } from '../../services/config-cache';
import { ProviderSecrets } from '../../services/provider-secrets';

export const CreateProviderCommand = z
  .object({
    actor,
    name: providerName,
    type: providerType,
    baseUrl: optionalString(baseUrl),
    apiKey: optionalString(apiKey),
    headers: z.preprocess((v) => v ?? {}, headers),
    apiVersion: optionalString(apiVersion),
  })
  .superRefine((c, ctx) => {
    if (c.type !== 'local' && !c.baseUrl)
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'required' });
    if (c.type === 'azure-openai' && !c.apiVersion)
      ctx.addIssue({ code: 'custom', path: ['apiVersion'], message: 'required for azure-openai' });
  });
export type CreateProviderCommand = CommandInput<typeof CreateProviderCommand>;

/** Creates a provider for the caller's tenant (operators: platform-wide); the credential is sealed. */
@Injectable()
export class CreateProviderUseCase {
  constructor(
    private readonly providers: ProviderRepository,
    private readonly secrets: ProviderSecrets,
    private readonly clock: ClockRepository,
    private readonly cache: ConfigCache,
  ) {}

  async execute(input: CreateProviderCommand): Promise<ProviderEntity> {
    const command = CreateProviderCommand.parse(input);
    const owner = ownerForWrite(command.actor);
    const now = this.clock.now();
    const id = this.clock.newId();
    const provider: ProviderEntity = {
      id,
      tenantId: owner,
      name: command.name,
      type: command.type,
      baseUrl: command.baseUrl ?? '',
      apiVersion: command.apiVersion ?? null,
      secretSealed: this.secrets.seal(id, { apiKey: command.apiKey, headers: command.headers }),
      hasApiKey: command.apiKey !== undefined,
      headerNames: Object.keys(command.headers).sort(),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.providers.insert(provider);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AiError(AiErrorCode.AlreadyExists, `A provider named '${command.name}' already exists.`, {
          errors: [{ field: 'name', message: 'already exists' }],
        });
      throw err;
    }
    this.cache.clear();
    return provider;
  }
}
