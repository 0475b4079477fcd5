import { createMigrationPool, ensureDatabase } from './database';
import { migrate } from './migrate';
import { grantDataRights } from './runtime-role';

export interface PrepareDatabaseOptions {
  readonly url: string;
  /** Create the database first when it is missing. */
  readonly create: boolean;
  readonly migrationsDirectory: string;
  /** The role the services log in as; it gets data rights only. */
  readonly runtimeRole?: string;
  readonly applicationName: string;
  /** Per statement of a migration; 0 (the default) means none. */
  readonly statementTimeoutMs?: number;
  /** How long a migration's statement waits for a lock (10 s by default); never the migration lock. */
  readonly lockTimeoutMs?: number;
}

export interface PreparedDatabase {
  readonly applied: readonly string[];
  readonly runtimeRole?: string;
}

/**
 * What a migrate-only process does, as the role that owns the schema: create the database if
 * asked, apply migrations, then grant the runtime role its data rights. Services started after it
 * need neither CREATE DATABASE nor DDL rights.
 */
export async function prepareDatabase(options: PrepareDatabaseOptions): Promise<PreparedDatabase> {
  if (options.create) await ensureDatabase(options.url);
  const pool = createMigrationPool({
    url: options.url,
    applicationName: options.applicationName,
    statementTimeoutMs: options.statementTimeoutMs,
    lockTimeoutMs: options.lockTimeoutMs,
  });
  try {
    const { applied } = await migrate(pool, options.migrationsDirectory);
    if (options.runtimeRole) await grantDataRights(pool, options.runtimeRole);
    return { applied, runtimeRole: options.runtimeRole };
  } finally {
    await pool.end();
  }
}
