import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { AiError } from '../../domain/ai-error';
import { actor, id, ownerForWrite, type CommandInput } from '../../domain/commands';
import { RouteRepository } from '../../repositories/route.repository';
import { ConfigCache } from '../../services/config-cache';

export const DeleteRouteCommand = z.object({ actor, id });
export type DeleteRouteCommand = CommandInput<typeof DeleteRouteCommand>;

/** Deletes a route of the caller's tenant (operators: platform-wide). */
@Injectable()
export class DeleteRouteUseCase {
  constructor(
    private readonly routes: RouteRepository,
    private readonly cache: ConfigCache,
  ) {}

  async execute(input: DeleteRouteCommand): Promise<void> {
    const command = DeleteRouteCommand.parse(input);
    if (!(await this.routes.delete(ownerForWrite(command.actor), command.id)))
      throw AiError.notFound('route', command.id);
    this.cache.clear();
  }
}
