import type { MigrationClass } from '@brainmesh/db';

/** Checked-in migrations of the ai-routing database, in order (the outbox tables come from the runtime). */
export const aiRoutingMigrations: MigrationClass[] = [];
