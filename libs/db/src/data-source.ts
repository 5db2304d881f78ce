import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import {
  validateDataSourceOptions,
  type CreateDataSourceOptions,
  type ValidatedDataSourceOptions,
} from './data-source-options';
import { pgliteModules } from './pglite-loader';
import { PinoTypeOrmLogger } from './typeorm-logger';

const DEFAULT_POOL_MAX = 10;
const SLOW_QUERY_MS = 1_000;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A DataSource over an embedded PGlite database. Destroying it also closes PGlite (even when the
 * DataSource never finished initializing).
 */
export class EmbeddedDataSource extends DataSource {
  constructor(
    options: DataSourceOptions,
    readonly pglite: PGlite,
  ) {
    super(options);
  }

  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      if (!this.pglite.closed) await this.pglite.close();
    }
  }
}

/** True when `dataSource` runs on embedded PGlite (one connection, one process). */
export function isEmbedded(dataSource: DataSource): dataSource is EmbeddedDataSource {
  return dataSource instanceof EmbeddedDataSource;
}

function baseOptions(options: ValidatedDataSourceOptions): PostgresConnectionOptions {
  return {
    type: 'postgres',
    applicationName: options.service,
    entities: options.entities,
    migrations: options.migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    // Extensions are created by migrations, never implicitly at connect time.
    installExtensions: false,
    logging: options.logger
      ? options.logger.isLevelEnabled('debug')
        ? 'all'
        : ['error', 'warn', 'migration']
      : false,
    logger: options.logger ? new PinoTypeOrmLogger(options.logger.child({ component: 'db' })) : undefined,
    maxQueryExecutionTime: SLOW_QUERY_MS,
  };
}

/**
 * A TypeORM DataSource for one service, on a real Postgres server (`url`) or on embedded PGlite
 * (`dataDir`, with pgvector available). Not initialized: call `initialize()` then `runMigrations`.
 * Never synchronizes the schema; migrations are explicit.
 */
export function createDataSource(input: CreateDataSourceOptions): DataSource {
  const options = validateDataSourceOptions(input);
  const base = baseOptions(options);
  if (options.mode === 'postgres') {
    return new DataSource({
      ...base,
      url: options.url,
      poolSize: options.poolMax ?? DEFAULT_POOL_MAX,
      connectTimeoutMS: CONNECT_TIMEOUT_MS,
      extra: {
        max: options.poolMax ?? DEFAULT_POOL_MAX,
        application_name: options.service,
        ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      },
    });
  }
  if (!options.dataDir.startsWith('memory://')) mkdirSync(options.dataDir, { recursive: true });
  const { PGlite, vector, createPgConfig } = pgliteModules();
  const pglite = new PGlite(options.dataDir, { extensions: { vector } });
  return new EmbeddedDataSource(
    {
      ...base,
      // PGlite serves one connection; transactions serialize on it. Keep it open for good.
      extra: { ...createPgConfig(pglite), max: 1, idleTimeoutMillis: 0 },
    },
    pglite,
  );
}
