import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actor, ownerForRead, type CommandInput } from '../../domain/commands';
import type { ProviderEntity } from '../../entities/provider.entity';
import { ProviderRepository } from '../../repositories/provider.repository';

export const ListProvidersCommand = z.object({ actor });
export type ListProvidersCommand = CommandInput<typeof ListProvidersCommand>;

/** The caller's tenant's providers (operators: the platform-wide ones), by name. */
@Injectable()
export class ListProvidersUseCase {
  constructor(private readonly providers: ProviderRepository) {}

  async execute(input: ListProvidersCommand): Promise<ProviderEntity[]> {
    const command = ListProvidersCommand.parse(input);
    return this.providers.listOwned(ownerForRead(command.actor));
  }
}
