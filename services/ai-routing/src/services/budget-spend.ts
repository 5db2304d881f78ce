import { Injectable } from '@nestjs/common';
import { periodBounds } from '../domain/budget-period';
import type { BudgetEntity } from '../entities/budget.entity';
import { UsageLedgerRepository } from '../repositories/usage-ledger.repository';

/** A budget's spend in its current period, from the usage ledger (the durable source of truth). */
@Injectable()
export class BudgetSpend {
  constructor(private readonly ledger: UsageLedgerRepository) {}

  async current(budget: BudgetEntity, now: Date): Promise<{ spentMicros: number; periodStart: Date }> {
    return this.since(budget, periodBounds(budget.period, now).start);
  }

  /** Spend of the budget's scope since `start` (a period start). */
  async since(budget: BudgetEntity, start: Date): Promise<{ spentMicros: number; periodStart: Date }> {
    const spentMicros = await this.ledger.spentMicros(
      budget.tenantId,
      budget.scope === 'api_key' ? budget.apiKeyId : null,
      start,
    );
    return { spentMicros, periodStart: start };
  }
}
