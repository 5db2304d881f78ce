import type { MigrationClass } from '@brainmesh/db';

/** Checked-in migrations of the auth database, in order (the outbox tables come from the runtime). */
export const authMigrations: MigrationClass[] = [];
