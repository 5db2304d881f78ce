import type { Logger } from 'pino';
import type { DataSourceOptions, MigrationInterface } from 'typeorm';

export type EntityList = NonNullable<DataSourceOptions['entities']>;
export type MigrationClass = new () => MigrationInterface;

export interface CreateDataSourceOptions {
  /** Service name: Postgres `application_name`, and the logger context. */
  service: string;
  /** `postgres://…` of a real Postgres server. Exactly one of `url` and `dataDir`. */
  url?: string;
  /** Embedded PGlite: a directory, or `memory://` for a throw-away database. */
  dataDir?: string;
  entities: EntityList;
  /** Checked-in migration classes, applied by `runMigrations`. */
  migrations: MigrationClass[];
  /** Pool size against real Postgres (default 10). PGlite always has one connection. */
  poolMax?: number;
  /** Server-side `statement_timeout` for every connection (real Postgres only). */
  statementTimeoutMs?: number;
  logger?: Logger;
}

export type ValidatedDataSourceOptions = CreateDataSourceOptions &
  ({ mode: 'postgres'; url: string } | { mode: 'embedded'; dataDir: string });

export class DataSourceOptionsError extends Error {
  override readonly name = 'DataSourceOptionsError';
}

const positiveInt = (value: number | undefined, name: string) => {
  if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
    throw new DataSourceOptionsError(`${name} must be a positive integer (got ${value})`);
  }
};

/** Checks the options of `createDataSource`; throws `DataSourceOptionsError` naming the problem. */
export function validateDataSourceOptions(options: CreateDataSourceOptions): ValidatedDataSourceOptions {
  if (!options.service?.trim()) throw new DataSourceOptionsError('service is required');
  const hasUrl = options.url !== undefined && options.url !== '';
  const hasDir = options.dataDir !== undefined && options.dataDir !== '';
  if (hasUrl === hasDir) {
    throw new DataSourceOptionsError(
      `exactly one of url (real Postgres) and dataDir (embedded PGlite) is required for ${options.service}`,
    );
  }
  positiveInt(options.poolMax, 'poolMax');
  positiveInt(options.statementTimeoutMs, 'statementTimeoutMs');
  if (hasUrl) {
    const url = options.url as string;
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new DataSourceOptionsError(
        `url must start with postgres:// or postgresql:// (service ${options.service})`,
      );
    }
    return { ...options, mode: 'postgres', url };
  }
  return { ...options, mode: 'embedded', dataDir: options.dataDir as string };
}
