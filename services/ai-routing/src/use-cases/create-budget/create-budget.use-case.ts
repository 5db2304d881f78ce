import { Injectable } from '@nestjs/common';
import { z } from '@brainmesh/config';
import { usdToMicros } from '../../domain/budget-period';
import { budgetPeriod, budgetScope, limitUsd } from '../../domain/budget-rules';
import { actor, optionalString, requirePermission, type CommandInput } from '../../domain/commands';
import type { BudgetEntity } from '../../entities/budget.entity';
import type { BudgetWithSpend } from '../list-budgets/list-budgets.use-case';
import { BudgetRepository } from '../../repositories/budget.repository';
import { ClockRepository } from '../../repositories/clock.repository';
import { BudgetSpend } from '../../services/budget-spend';
import { ConfigCache } from '../../services/config-cache';

export const CreateBudgetCommand = z
  .object({
    actor,
    scope: budgetScope,
    apiKeyId: optionalString(z.string().uuid()),
    period: budgetPeriod,
    limitUsd,
    hard: z.boolean().default(true),
  })
  .superRefine((c, ctx) => {
    if (c.scope === 'api_key' && !c.apiKeyId)
      ctx.addIssue({ code: 'custom', path: ['apiKeyId'], message: 'required when scope is api_key' });
    if (c.scope === 'tenant' && c.apiKeyId)
      ctx.addIssue({ code: 'custom', path: ['apiKeyId'], message: 'only with scope api_key' });
  });
export type CreateBudgetCommand = CommandInput<typeof CreateBudgetCommand>;

/** Creates a USD budget for the caller's tenant or one of its API keys. */
@Injectable()
export class CreateBudgetUseCase {
  constructor(
    private readonly budgets: BudgetRepository,
    private readonly clock: ClockRepository,
    private readonly cache: ConfigCache,
    private readonly spend: BudgetSpend,
  ) {}

  async execute(input: CreateBudgetCommand): Promise<BudgetWithSpend> {
    const command = CreateBudgetCommand.parse(input);
    requirePermission(command.actor, 'ai_config:write', command.actor.tenantId);
    const now = this.clock.now();
    const budget: BudgetEntity = {
      id: this.clock.newId(),
      tenantId: command.actor.tenantId!,
      scope: command.scope,
      apiKeyId: command.apiKeyId ?? null,
      period: command.period,
      limitMicros: String(usdToMicros(command.limitUsd)),
      hard: command.hard,
      createdAt: now,
      updatedAt: now,
    };
    await this.budgets.insert(budget);
    this.cache.clear();
    // A new budget counts from the start of its current period: calls already made in it count.
    return { budget, ...(await this.spend.current(budget, now)) };
  }
}
