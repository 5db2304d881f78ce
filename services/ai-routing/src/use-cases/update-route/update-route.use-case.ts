import { Injectable } from '@nestjs/common';
import { isUniqueViolation } from '@brainmesh/db';
import { z } from '@brainmesh/config';
import { AiError, AiErrorCode } from '../../domain/ai-error';
import { actor, id, ownerForWrite, type CommandInput } from '../../domain/commands';
import { deployments, limits, routeModel, strategy, toStoredDeployments } from '../../domain/route-rules';
import type { RouteEntity } from '../../entities/route.entity';
import { ClockRepository } from '../../repositories/clock.repository';
import { RouteRepository } from '../../repositories/route.repository';
import { ConfigCache } from '../../services/config-cache';
import { RouteValidation } from '../../services/route-validation';

export const UpdateRouteCommand = z.object({
  actor,
  id,
  model: routeModel.optional(),
  strategy: strategy.optional(),
  deployments: z.object({ values: deployments }).optional(),
  cacheTtlS: limits.cacheTtlS.optional(),
  rpmPerKey: limits.rpmPerKey.optional(),
  tpmPerKey: limits.tpmPerKey.optional(),
  rpm: limits.rpm.optional(),
  tpm: limits.tpm.optional(),
});
export type UpdateRouteCommand = CommandInput<typeof UpdateRouteCommand>;

/** Changes a route; deployments are replaced as a whole. */
@Injectable()
export class UpdateRouteUseCase {
  constructor(
    private readonly routes: RouteRepository,
    private readonly validation: RouteValidation,
    private readonly clock: ClockRepository,
    private readonly cache: ConfigCache,
  ) {}

  async execute(input: UpdateRouteCommand): Promise<RouteEntity> {
    const command = UpdateRouteCommand.parse(input);
    const owner = ownerForWrite(command.actor);
    const route = await this.routes.findOwned(owner, command.id);
    if (!route) throw AiError.notFound('route', command.id);
    if (command.deployments) {
      route.deployments = toStoredDeployments(command.deployments.values);
      await this.validation.check(owner, route.kind, route.deployments);
    }
    if (command.model !== undefined) route.model = command.model;
    if (command.strategy !== undefined) route.strategy = command.strategy;
    if (command.cacheTtlS !== undefined) route.cacheTtlS = command.cacheTtlS;
    if (command.rpmPerKey !== undefined) route.rpmPerKey = command.rpmPerKey;
    if (command.tpmPerKey !== undefined) route.tpmPerKey = command.tpmPerKey;
    if (command.rpm !== undefined) route.rpm = command.rpm;
    if (command.tpm !== undefined) route.tpm = command.tpm;
    route.updatedAt = this.clock.now();
    try {
      await this.routes.save(route);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AiError(AiErrorCode.AlreadyExists, `A route for model '${route.model}' already exists.`, {
          errors: [{ field: 'model', message: 'already exists' }],
        });
      throw err;
    }
    this.cache.clear();
    return route;
  }
}
