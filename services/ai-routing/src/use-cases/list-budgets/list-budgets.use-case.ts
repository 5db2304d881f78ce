import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { actor, requirePermission, type CommandInput } from '../../domain/commands';
import type { BudgetEntity } from '../../entities/budget.entity';
import { BudgetRepository } from '../../repositories/budget.repository';
import { ClockRepository } from '../../repositories/clock.repository';
import { BudgetSpend } from '../../services/budget-spend';

export const ListBudgetsCommand = z.object({ actor });
export type ListBudgetsCommand = CommandInput<typeof ListBudgetsCommand>;

export interface BudgetWithSpend {
  budget: BudgetEntity;
  spentMicros: number;
  periodStart: Date;
}

/** The tenant's budgets with their spend in the current period. */
@Injectable()
export class ListBudgetsUseCase {
  constructor(
    private readonly budgets: BudgetRepository,
    private readonly spend: BudgetSpend,
    private readonly clock: ClockRepository,
  ) {}

  async execute(input: ListBudgetsCommand): Promise<BudgetWithSpend[]> {
    const command = ListBudgetsCommand.parse(input);
    requirePermission(command.actor, 'ai_config:read', command.actor.tenantId);
    if (!command.actor.tenantId) return [];
    const now = this.clock.now();
    const budgets = await this.budgets.list(command.actor.tenantId);
    return Promise.all(
      budgets.map(async (budget) => ({ budget, ...(await this.spend.current(budget, now)) })),
    );
  }
}
