import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { AiError } from '../../domain/ai-error';
import { actor, id, requirePermission, type CommandInput } from '../../domain/commands';
import { BudgetRepository } from '../../repositories/budget.repository';
import { ConfigCache } from '../../services/config-cache';

export const DeleteBudgetCommand = z.object({ actor, id });
export type DeleteBudgetCommand = CommandInput<typeof DeleteBudgetCommand>;

/** Deletes a budget of the caller's tenant. */
@Injectable()
export class DeleteBudgetUseCase {
  constructor(
    private readonly budgets: BudgetRepository,
    private readonly cache: ConfigCache,
  ) {}

  async execute(input: DeleteBudgetCommand): Promise<void> {
    const command = DeleteBudgetCommand.parse(input);
    requirePermission(command.actor, 'ai_config:write', command.actor.tenantId);
    if (!(await this.budgets.delete(command.actor.tenantId!, command.id)))
      throw AiError.notFound('budget', command.id);
    this.cache.clear();
  }
}
