export {
  ensureDatabase,
  dropDatabase,
  createPool,
  createMigrationPool,
  databaseName,
  withDatabase,
  redactUrl,
  type PoolOptions,
  type MigrationPoolOptions,
} from './database';
export { migrate, type MigrationResult } from './migrate';
export { grantDataRights, type DataRightsOptions } from './runtime-role';
export { withTransaction, type Connectable } from './transaction';
export { prepareDatabase, type PrepareDatabaseOptions, type PreparedDatabase } from './prepare-database';
export { openServiceDatabase, type ServiceDatabaseConfig, type ServiceDatabaseOptions, type DatabaseLogger } from './service-database';
