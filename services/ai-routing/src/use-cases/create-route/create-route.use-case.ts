import { Injectable } from '@nestjs/common';
import { isUniqueViolation } from '@brainmesh/db';
import { z } from '@brainmesh/config';
import { AiError, AiErrorCode } from '../../domain/ai-error';
import { actor, ownerForWrite, type CommandInput } from '../../domain/commands';
import {
  deployments,
  kind,
  limits,
  routeModel,
  strategy,
  toStoredDeployments,
} from '../../domain/route-rules';
import type { RouteEntity } from '../../entities/route.entity';
import { ClockRepository } from '../../repositories/clock.repository';
import { RouteRepository } from '../../repositories/route.repository';
import { ConfigCache } from '../../services/config-cache';
import { RouteValidation } from '../../services/route-validation';

export const CreateRouteCommand = z.object({
  actor,
  route: z.object({
    model: routeModel,
    strategy,
    kind,
    deployments,
    cacheTtlS: limits.cacheTtlS.default(0),
    rpmPerKey: limits.rpmPerKey.default(0),
    tpmPerKey: limits.tpmPerKey.default(0),
    rpm: limits.rpm.default(0),
    tpm: limits.tpm.default(0),
  }),
});
export type CreateRouteCommand = CommandInput<typeof CreateRouteCommand>;

/** Creates a route (model name -> deployments) for the caller's tenant (operators: platform-wide). */
@Injectable()
export class CreateRouteUseCase {
  constructor(
    private readonly routes: RouteRepository,
    private readonly validation: RouteValidation,
    private readonly clock: ClockRepository,
    private readonly cache: ConfigCache,
  ) {}

  async execute(input: CreateRouteCommand): Promise<RouteEntity> {
    const { actor: who, route: spec } = CreateRouteCommand.parse(input);
    const owner = ownerForWrite(who);
    const stored = toStoredDeployments(spec.deployments);
    await this.validation.check(owner, spec.kind, stored);
    const now = this.clock.now();
    const route: RouteEntity = {
      id: this.clock.newId(),
      tenantId: owner,
      model: spec.model,
      kind: spec.kind,
      strategy: spec.strategy,
      deployments: stored,
      cacheTtlS: spec.cacheTtlS,
      rpmPerKey: spec.rpmPerKey,
      tpmPerKey: spec.tpmPerKey,
      rpm: spec.rpm,
      tpm: spec.tpm,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.routes.insert(route);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AiError(AiErrorCode.AlreadyExists, `A route for model '${spec.model}' already exists.`, {
          errors: [{ field: 'model', message: 'already exists' }],
        });
      throw err;
    }
    this.cache.clear();
    return route;
  }
}
