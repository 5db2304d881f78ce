import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BudgetEntity } from '../entities/budget.entity';

/** Budgets; always tenant-owned, every query names the tenant. */
@Injectable()
export class BudgetRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(budget: BudgetEntity): Promise<unknown> {
    return this.dataSource.manager.insert(BudgetEntity, budget);
  }

  save(budget: BudgetEntity): Promise<BudgetEntity> {
    return this.dataSource.manager.save(BudgetEntity, budget);
  }

  find(tenantId: string, id: string): Promise<BudgetEntity | null> {
    return this.dataSource.manager.findOneBy(BudgetEntity, { tenantId, id });
  }

  /**
   * A budget by id alone: only for seeding the admission store's counter of a budget id that came
   * from a tenant-scoped lookup of this service (never with an id from a request).
   */
  findForSpendSeed(id: string): Promise<BudgetEntity | null> {
    return this.dataSource.manager.findOneBy(BudgetEntity, { id });
  }

  list(tenantId: string): Promise<BudgetEntity[]> {
    return this.dataSource.manager.find(BudgetEntity, { where: { tenantId }, order: { createdAt: 'ASC' } });
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.dataSource.manager.delete(BudgetEntity, { tenantId, id });
    return (result.affected ?? 0) > 0;
  }
}
