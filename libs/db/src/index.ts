export { ensureDatabase, dropDatabase, createPool, databaseName, withDatabase, redactUrl, type PoolOptions } from './database';
export { migrate, type MigrationResult } from './migrate';
