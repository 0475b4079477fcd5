import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './transaction';

export interface MigrationResult {
  readonly applied: readonly string[];
}

/** Where applied migrations are recorded; the runtime role gets no rights on it. */
export const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * The first line of a migration that must not run in a transaction (`CREATE INDEX
 * CONCURRENTLY`, `VACUUM`). PostgreSQL runs several statements sent at once as one implicit
 * transaction, so such a file runs statement by statement: each ends with `;` at a line's end.
 */
const NO_TRANSACTION = /^--\s*migrate:\s*no-transaction\s*$/;

/** A per-schema lock key, so unrelated services sharing a server do not wait on each other. */
function lockKey(table: string): number {
  let hash = 0;
  for (const char of `gatehouse:migrate:${table}`) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

/**
 * Waiting for another process's migrations is expected, however long they take: only the
 * statements of a migration give up on a lock or a time limit. SET LOCAL ends with the
 * transaction, while the session-level advisory lock outlives it.
 */
async function waitForMigrationLock(client: PoolClient, key: number): Promise<void> {
  await inTransaction(client, async () => {
    await client.query('SET LOCAL lock_timeout = 0');
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [key]);
  });
}

/** A migration's statements, for a file that runs outside a transaction. */
function statements(sql: string): string[] {
  return sql
    .split(/;[ \t]*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement.replace(/^--.*$/gm, '').trim().length > 0);
}

async function applyInTransaction(client: PoolClient, table: string, file: string, sql: string): Promise<void> {
  try {
    await inTransaction(client, async () => {
      await client.query(sql);
      await client.query(`INSERT INTO ${table} (name) VALUES ($1)`, [file]);
    });
  } catch (error) {
    throw new Error(`Migration ${file} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Recorded only once every statement has run; a failure leaves the ones before it applied. */
async function applyWithoutTransaction(client: PoolClient, table: string, file: string, sql: string): Promise<void> {
  try {
    for (const statement of statements(sql)) await client.query(statement);
  } catch (error) {
    throw new Error(
      `Migration ${file} failed (it runs without a transaction: the statements before the failing one stay applied): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  await client.query(`INSERT INTO ${table} (name) VALUES ($1)`, [file]);
}

/**
 * Applies `NNNN_name.sql` files from `directory` in order, each in its own transaction unless
 * its first line is `-- migrate: no-transaction`, and records them. A session advisory lock
 * makes concurrent starts (two replicas, a Job and a pod) safe: the second waits, then finds
 * nothing left to do.
 */
export async function migrate(pool: Pool, directory: string, table = MIGRATIONS_TABLE): Promise<MigrationResult> {
  const files = (await readdir(directory)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  let failure: Error | undefined;
  try {
    await waitForMigrationLock(client, lockKey(table));
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>(`SELECT name FROM ${table}`)).rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(join(directory, file), 'utf8');
      const outsideTransaction = NO_TRANSACTION.test(sql.split('\n', 1)[0]!);
      await (outsideTransaction ? applyWithoutTransaction : applyInTransaction)(client, table, file, sql);
      applied.push(file);
    }
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [lockKey(table)]).catch(() => undefined);
    // After a failure (a ROLLBACK that failed too, say) the session's state is unknown: closing
    // the connection rather than reusing it also frees the advisory lock for certain.
    client.release(failure);
  }
  return { applied };
}
