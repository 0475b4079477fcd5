export { ensureDatabase, dropDatabase, createPool, databaseName, withDatabase, redactUrl, type PoolOptions } from './database';
export { migrate, type MigrationResult } from './migrate';
export { grantDataRights } from './runtime-role';
export { prepareDatabase, type PrepareDatabaseOptions, type PreparedDatabase } from './prepare-database';
