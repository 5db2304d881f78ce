import type { Logger } from 'pino';
import { MigrationExecutor, type DataSource } from 'typeorm';

/** Session advisory lock taken while migrating, so replicas starting together migrate once. */
const MIGRATION_LOCK_SQL = "SELECT pg_advisory_lock(hashtextextended('brainmesh:migrations', 0))";
const MIGRATION_UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtextextended('brainmesh:migrations', 0))";

/**
 * Applies the pending migrations of an initialized DataSource, each in its own transaction, while
 * holding a Postgres advisory lock (on the same connection, so it works with a pool of one and
 * on PGlite). Logs and returns the names applied.
 */
export async function runMigrations(dataSource: DataSource, logger: Logger): Promise<string[]> {
  if (!dataSource.isInitialized) {
    throw new Error('runMigrations: the DataSource is not initialized (call initialize() first)');
  }
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    await queryRunner.query(MIGRATION_LOCK_SQL);
    try {
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      for (const migration of applied) logger.info({ migration: migration.name }, 'migration applied');
      if (applied.length === 0) logger.debug('no pending migrations');
      return applied.map((m) => m.name);
    } finally {
      await queryRunner.query(MIGRATION_UNLOCK_SQL);
    }
  } finally {
    await queryRunner.release();
  }
}
