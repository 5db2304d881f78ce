import type { MigrationClass } from '@brainmesh/db';

/** Checked-in migrations of the knowledge database, in order (the outbox tables come from the runtime). */
export const knowledgeMigrations: MigrationClass[] = [];
