import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { AiError } from '../../domain/ai-error';
import { actor, id, ownerForRead, type CommandInput } from '../../domain/commands';
import type { RouteEntity } from '../../entities/route.entity';
import { RouteRepository } from '../../repositories/route.repository';

export const GetRouteCommand = z.object({ actor, id });
export type GetRouteCommand = CommandInput<typeof GetRouteCommand>;

/** One route the caller sees: its tenant's, or a platform-wide one (read-only for tenants). */
@Injectable()
export class GetRouteUseCase {
  constructor(private readonly routes: RouteRepository) {}

  async execute(input: GetRouteCommand): Promise<RouteEntity> {
    const command = GetRouteCommand.parse(input);
    const owner = ownerForRead(command.actor);
    const route =
      (await this.routes.findOwned(owner, command.id)) ??
      (owner === null ? null : await this.routes.findOwned(null, command.id));
    if (!route) throw AiError.notFound('route', command.id);
    return route;
  }
}
