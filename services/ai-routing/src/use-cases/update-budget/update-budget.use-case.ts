import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { AiError } from '../../domain/ai-error';
import { usdToMicros } from '../../domain/budget-period';
import { budgetPeriod, limitUsd } from '../../domain/budget-rules';
import { actor, id, requirePermission, type CommandInput } from '../../domain/commands';
import { BudgetRepository } from '../../repositories/budget.repository';
import { ClockRepository } from '../../repositories/clock.repository';
import { BudgetSpend } from '../../services/budget-spend';
import { ConfigCache } from '../../services/config-cache';
import type { BudgetWithSpend } from '../list-budgets/list-budgets.use-case';

export const UpdateBudgetCommand = z.object({
  actor,
  id,
  limitUsd: limitUsd.optional(),
  hard: z.boolean().optional(),
  period: budgetPeriod.optional(),
});
export type UpdateBudgetCommand = CommandInput<typeof UpdateBudgetCommand>;

/** Changes a budget's limit, hardness or period. */
@Injectable()
export class UpdateBudgetUseCase {
  constructor(
    private readonly budgets: BudgetRepository,
    private readonly clock: ClockRepository,
    private readonly cache: ConfigCache,
    private readonly spend: BudgetSpend,
  ) {}

  async execute(input: UpdateBudgetCommand): Promise<BudgetWithSpend> {
    const command = UpdateBudgetCommand.parse(input);
    requirePermission(command.actor, 'ai_config:write', command.actor.tenantId);
    const budget = await this.budgets.find(command.actor.tenantId!, command.id);
    if (!budget) throw AiError.notFound('budget', command.id);
    if (command.limitUsd !== undefined) budget.limitMicros = String(usdToMicros(command.limitUsd));
    if (command.hard !== undefined) budget.hard = command.hard;
    if (command.period !== undefined) budget.period = command.period;
    budget.updatedAt = this.clock.now();
    await this.budgets.save(budget);
    this.cache.clear();
    return { budget, ...(await this.spend.current(budget, budget.updatedAt)) };
  }
}
