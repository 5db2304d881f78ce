import type { MigrationClass } from '@brainmesh/db';
import { CreateAuthTables1733000000100 } from './1733000000100-create-auth-tables';
import { AddMfaAndAudit1733000000200 } from './1733000000200-add-mfa-and-audit';

/** Checked-in migrations of the auth database, in order (the outbox tables come from the runtime). */
export const authMigrations: MigrationClass[] = [CreateAuthTables1733000000100, AddMfaAndAudit1733000000200];
