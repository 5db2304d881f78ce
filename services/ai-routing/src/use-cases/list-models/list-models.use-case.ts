import { Injectable } from '@nestjs/common';
import { authorize } from '@brainmesh/access-control';
import { z } from '@brainmesh/config';
import { AiError } from '../../domain/ai-error';
import { actor, type CommandInput } from '../../domain/commands';
import type { RouteEntity } from '../../entities/route.entity';
import { RouteRepository } from '../../repositories/route.repository';

export const ListModelsCommand = z.object({ actor });
export type ListModelsCommand = CommandInput<typeof ListModelsCommand>;

/**
 * The model names the caller can call: its tenant's routes and the platform-wide ones it does not
 * override (a tenant route hides the platform route of the same name). Needs `chat` or `embeddings`.
 */
@Injectable()
export class ListModelsUseCase {
  constructor(private readonly routes: RouteRepository) {}

  async execute(input: ListModelsCommand): Promise<RouteEntity[]> {
    const { actor: who } = ListModelsCommand.parse(input);
    const allowed = (['chat', 'embeddings', 'ai_config:read'] as const).some(
      (p) => authorize(who, p, who.tenantId).allowed,
    );
    if (!allowed) throw AiError.permissionDenied('listing models needs the chat or embeddings permission');
    const visible = await this.routes.listVisible(
      who.subjectType === 'operator' ? null : (who.tenantId ?? null),
    );
    const byModel = new Map<string, RouteEntity>();
    for (const route of visible) {
      const seen = byModel.get(route.model);
      if (!seen || (seen.tenantId === null && route.tenantId !== null)) byModel.set(route.model, route);
    }
    return [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model));
  }
}
