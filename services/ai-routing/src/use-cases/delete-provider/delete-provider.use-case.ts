import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { AiError, AiErrorCode } from '../../domain/ai-error';
import { actor, id, ownerForWrite, type CommandInput } from '../../domain/commands';
import { ProviderRepository } from '../../repositories/provider.repository';
import { RouteRepository } from '../../repositories/route.repository';
import { ConfigCache } from '../../services/config-cache';

export const DeleteProviderCommand = z.object({ actor, id });
export type DeleteProviderCommand = CommandInput<typeof DeleteProviderCommand>;

/** Deletes a provider no route of its owner uses (409 otherwise: change the routes first). */
@Injectable()
export class DeleteProviderUseCase {
  constructor(
    private readonly providers: ProviderRepository,
    private readonly routes: RouteRepository,
    private readonly cache: ConfigCache,
  ) {}

  async execute(input: DeleteProviderCommand): Promise<void> {
    const command = DeleteProviderCommand.parse(input);
    const owner = ownerForWrite(command.actor);
    if (!(await this.providers.findOwned(owner, command.id))) throw AiError.notFound('provider', command.id);
    if (await this.routes.usesProvider(owner, command.id))
      throw new AiError(
        AiErrorCode.InUse,
        'The provider is used by a route: remove it from the routes first.',
      );
    await this.providers.delete(owner, command.id);
    this.cache.clear();
  }
}
