import type { Logger as PinoLogger } from 'pino';
import type { Logger as TypeOrmLogger, QueryRunner } from 'typeorm';

const MAX_QUERY_LENGTH = 2_000;
const shorten = (query: string) =>
  query.length > MAX_QUERY_LENGTH ? `${query.slice(0, MAX_QUERY_LENGTH)}…` : query;

/**
 * Routes TypeORM's logging to pino. Query parameters are never logged (they may hold tenant data
 * or secrets); queries are logged at debug level only.
 */
export class PinoTypeOrmLogger implements TypeOrmLogger {
  constructor(private readonly logger: PinoLogger) {}

  logQuery(query: string, _parameters?: unknown[], _queryRunner?: QueryRunner): void {
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ query: shorten(query) }, 'db query');
  }

  logQueryError(
    error: string | Error,
    query: string,
    _parameters?: unknown[],
    _queryRunner?: QueryRunner,
  ): void {
    this.logger.warn({ err: error, query: shorten(query) }, 'db query failed');
  }

  logQuerySlow(time: number, query: string, _parameters?: unknown[], _queryRunner?: QueryRunner): void {
    this.logger.warn({ durationMs: time, query: shorten(query) }, 'db query slow');
  }

  logSchemaBuild(message: string, _queryRunner?: QueryRunner): void {
    this.logger.debug(message);
  }

  logMigration(message: string, _queryRunner?: QueryRunner): void {
    this.logger.info(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown, _queryRunner?: QueryRunner): void {
    if (level === 'warn') this.logger.warn({ detail: message }, 'typeorm');
    else this.logger.debug({ detail: message }, 'typeorm');
  }
}
