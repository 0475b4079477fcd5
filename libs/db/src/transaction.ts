import type { ClientBase, PoolClient } from 'pg';

/** What hands out a pooled client: a `pg.Pool`, or anything shaped like one. */
export interface Connectable {
  connect(): Promise<PoolClient>;
}

/** A failed ROLLBACK leaves the connection in an unknown state; the caller must not reuse it. */
type OnRollbackFailure = (error: Error) => void;

/**
 * Runs `fn` between BEGIN and COMMIT on a client the caller holds and releases. When `fn` or
 * COMMIT throws, the transaction is rolled back and that same error is rethrown, whatever
 * ROLLBACK does: `onRollbackFailure` hears when ROLLBACK fails too.
 */
export async function inTransaction<C extends ClientBase, T>(
  client: C,
  fn: (client: C) => Promise<T>,
  onRollbackFailure: OnRollbackFailure = () => undefined,
): Promise<T> {
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      onRollbackFailure(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
    });
    throw error;
  }
}

/**
 * Runs `fn` in one transaction on a client of `pool` and resolves with what it returns.
 *
 * BEGIN, then `fn(client)`, then COMMIT. When `fn` (or BEGIN, or COMMIT) throws, the
 * transaction is rolled back and the original error is rethrown. The client always goes back
 * to the pool; if ROLLBACK itself fails, it goes back with that error (`client.release(error)`),
 * so the pool destroys the connection instead of handing out one stuck in a transaction.
 *
 * Everything scoped to the transaction ends with it: row locks (`SELECT … FOR UPDATE`),
 * `pg_advisory_xact_lock` and `SET LOCAL` settings. Session-level state (`pg_advisory_lock`,
 * plain `SET`, `LISTEN`) outlives it and must not be left on the client.
 *
 * @example
 * const deleted = await withTransaction(pool, async (client) => {
 *   await client.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [id]);
 *   const { rowCount } = await client.query('DELETE FROM accounts WHERE id = $1', [id]);
 *   return rowCount === 1;
 * });
 */
export async function withTransaction<T>(pool: Connectable, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await inTransaction(client, fn, (error) => {
      broken = error;
    });
  } finally {
    client.release(broken);
  }
}
