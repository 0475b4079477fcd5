import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';

export interface MigrationResult {
  readonly applied: readonly string[];
}

/** A per-schema lock key, so unrelated services sharing a server do not wait on each other. */
function lockKey(table: string): number {
  let hash = 0;
  for (const char of `gatehouse:migrate:${table}`) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

/**
 * Applies `NNNN_name.sql` files from `directory` in order, each in its own transaction, and
 * records them. A session advisory lock makes concurrent starts (two replicas, a Job and a pod)
 * safe: the second waits, then finds nothing left to do.
 */
export async function migrate(pool: Pool, directory: string, table = 'schema_migrations'): Promise<MigrationResult> {
  const files = (await readdir(directory)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lockKey(table)]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await client.query<{ name: string }>(`SELECT name FROM ${table}`)).rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(join(directory, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(`INSERT INTO ${table} (name) VALUES ($1)`, [file]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(file);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [lockKey(table)]).catch(() => undefined);
    client.release();
  }
  return { applied };
}
