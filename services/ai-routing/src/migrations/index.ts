import type { MigrationClass } from '@brainmesh/db';
import { CreateAiRoutingTables1733000000300 } from './1733000000300-create-ai-routing-tables';

/** Checked-in migrations of the ai-routing database, in order (the outbox tables come from the runtime). */
export const aiRoutingMigrations: MigrationClass[] = [CreateAiRoutingTables1733000000300];
