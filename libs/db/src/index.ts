export { EmbeddedDataSource, createDataSource, isEmbedded } from './data-source';
export {
  DataSourceOptionsError,
  validateDataSourceOptions,
  type CreateDataSourceOptions,
  type EntityList,
  type MigrationClass,
} from './data-source-options';
export { runMigrations } from './migrations';
export { ensureDatabase, pingDatabase } from './admin';
export { PinoTypeOrmLogger } from './typeorm-logger';
export { isUniqueViolation } from './errors';
