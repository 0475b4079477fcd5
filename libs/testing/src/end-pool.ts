import type { Pool } from 'pg';

/**
 * Ends a pool and waits until every connection has really closed. `pool.end()` resolves before
 * the sockets do, and dropping the database then would kill them mid-goodbye (and make the pool,
 * or a client still listening on it, emit errors into the next test).
 */
export async function endPool(pool: Pool): Promise<void> {
  const open = pool.totalCount;
  let removed = 0;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on('remove', () => {
      removed += 1;
      if (removed >= open) resolve();
    });
  });
  await pool.end();
  await closed;
}
