import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { AiError } from '../../domain/ai-error';
import { actor, id, ownerForRead, type CommandInput } from '../../domain/commands';
import type { ProviderEntity } from '../../entities/provider.entity';
import { ProviderRepository } from '../../repositories/provider.repository';

export const GetProviderCommand = z.object({ actor, id });
export type GetProviderCommand = CommandInput<typeof GetProviderCommand>;

/** One provider of the caller's tenant (operators: platform-wide ones). */
@Injectable()
export class GetProviderUseCase {
  constructor(private readonly providers: ProviderRepository) {}

  async execute(input: GetProviderCommand): Promise<ProviderEntity> {
    const command = GetProviderCommand.parse(input);
    const provider = await this.providers.findOwned(ownerForRead(command.actor), command.id);
    if (!provider) throw AiError.notFound('provider', command.id);
    return provider;
  }
}
