import type { Pool, PoolClient } from 'pg';
import { createTestDatabase, type TestDatabase } from '@gatehouse/testing';
import { createPool } from './database';
import { withTransaction, type Connectable } from './transaction';

let database: TestDatabase;
/** Reads through its own connections, so it sees only what was committed. */
let observer: Pool;
/** One connection at most: after a release, the next query runs on the very same session. */
let pool: Pool;

beforeAll(async () => {
  database = await createTestDatabase('transaction');
  observer = createPool({ url: database.url, applicationName: 'transaction-test-observer' });
  await observer.query('CREATE TABLE items (id int PRIMARY KEY)');
});
afterAll(async () => {
  await observer.end();
  await database.drop();
});
beforeEach(async () => {
  await observer.query('TRUNCATE items');
  pool = createPool({ url: database.url, applicationName: 'transaction-test', max: 1 });
});
afterEach(() => pool.end());

const committedIds = async () => (await observer.query<{ id: number }>('SELECT id FROM items ORDER BY id')).rows.map((r) => r.id);

/** The pool's clients, whose ROLLBACK fails (as on a connection that broke mid-transaction). */
function failingRollback(source: Pool): Connectable {
  return {
    async connect(): Promise<PoolClient> {
      const client = await source.connect();
      const query = client.query.bind(client) as (text: string, values?: unknown[]) => Promise<unknown>;
      client.query = ((text: string, values?: unknown[]) =>
        text === 'ROLLBACK' ? Promise.reject(new Error('rollback failed')) : query(text, values)) as PoolClient['query'];
      return client;
    },
  };
}

describe('withTransaction', () => {
  it('when the work resolves, then its writes are committed, its result returned and the client is back in the pool', async () => {
    const result = await withTransaction(pool, async (client) => {
      await client.query('INSERT INTO items (id) VALUES (1), (2)');
      return 'done';
    });

    expect(result).toBe('done');
    expect(await committedIds()).toEqual([1, 2]);
    expect({ total: pool.totalCount, idle: pool.idleCount }).toEqual({ total: 1, idle: 1 });
  });

  it('when the work throws, then its writes are rolled back, the same error is rethrown and the client is back in the pool', async () => {
    const refusal = new Error('refused');

    const outcome = withTransaction(pool, async (client) => {
      await client.query('INSERT INTO items (id) VALUES (1)');
      throw refusal;
    });

    await expect(outcome).rejects.toBe(refusal);
    expect(await committedIds()).toEqual([]);
    expect({ total: pool.totalCount, idle: pool.idleCount }).toEqual({ total: 1, idle: 1 });
    // The same session again: a transaction left open would still show its own row.
    expect((await pool.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(0);
  });

  it('when a statement fails, then the SQL error is rethrown and the client comes back out of the aborted transaction', async () => {
    await observer.query('INSERT INTO items (id) VALUES (1)');

    const outcome = withTransaction(pool, (client) => client.query('INSERT INTO items (id) VALUES (2), (1)'));

    await expect(outcome).rejects.toMatchObject({ code: '23505' });
    expect(await committedIds()).toEqual([1]);
    await expect(pool.query('SELECT 1')).resolves.toMatchObject({ rowCount: 1 });
  });

  it('when ROLLBACK fails too, then the original error is rethrown and the client is destroyed, not handed out again', async () => {
    const refusal = new Error('refused');

    const outcome = withTransaction(failingRollback(pool), async (client) => {
      await client.query('INSERT INTO items (id) VALUES (1)');
      throw refusal;
    });

    await expect(outcome).rejects.toBe(refusal);
    expect({ total: pool.totalCount, idle: pool.idleCount }).toEqual({ total: 0, idle: 0 });
    expect(await committedIds()).toEqual([]);
  });
});
