import type { Pool } from 'pg';
import { createPool, ensureDatabase } from './database';
import { migrate } from './migrate';

/** The database keys of a service's config (libs/config's `databaseKeys`). */
export interface ServiceDatabaseConfig {
  readonly DATABASE_URL: string;
  readonly DATABASE_POOL_SIZE: number;
  readonly DATABASE_CREATE: boolean;
  readonly MIGRATE_ON_BOOT: boolean;
}

/** Where the pool reports; a pino logger fits. */
export interface DatabaseLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface ServiceDatabaseOptions {
  readonly applicationName: string;
  readonly migrationsDirectory: string;
  readonly logger: DatabaseLogger;
}

/**
 * A service's pool, the database created and migrated first when the config says so (development).
 * Production creates and migrates in a Job with DDL rights; the service's role has data rights only.
 */
export async function openServiceDatabase(config: Readonly<ServiceDatabaseConfig>, options: ServiceDatabaseOptions): Promise<Pool> {
  const { logger } = options;
  if (config.DATABASE_CREATE) await ensureDatabase(config.DATABASE_URL);
  const pool = createPool({
    url: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
    applicationName: options.applicationName,
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection lost'),
  });
  if (config.MIGRATE_ON_BOOT) {
    const { applied } = await migrate(pool, options.migrationsDirectory);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  }
  return pool;
}
