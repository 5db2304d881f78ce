import { BudgetEntity } from './budget.entity';
import { PriceEntity } from './price.entity';
import { ProviderEntity } from './provider.entity';
import { RouteEntity } from './route.entity';

/** TypeORM entities of the ai-routing database (usage_records is written with plain SQL in batches). */
export const aiRoutingEntities = [ProviderEntity, RouteEntity, BudgetEntity, PriceEntity];
