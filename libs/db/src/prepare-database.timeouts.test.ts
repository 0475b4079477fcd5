import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, eventually, type TestDatabase } from '@gatehouse/testing';
import { createPool } from './database';
import { prepareDatabase } from './prepare-database';

async function migrations(files: Record<string, string>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'gh-migrations-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(directory, name), sql);
  return directory;
}

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase('migrate_timeouts');
});
afterEach(() => database.drop());

const prepare = (migrationsDirectory: string, timeouts: { statementTimeoutMs?: number; lockTimeoutMs?: number } = {}) =>
  prepareDatabase({ url: database.url, create: false, migrationsDirectory, applicationName: 'timeouts-test-migrate', ...timeouts });

describe('prepareDatabase time limits', () => {
  it('when nothing is configured, then migrations run with no statement timeout (not the runtime pool 10 s) and DDL gives up on a lock after 10 s', async () => {
    const directory = await migrations({
      '0001_settings.sql':
        "CREATE TABLE seen AS SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('lock_timeout') AS lock_timeout;",
    });

    await prepare(directory);

    const pool = createPool({ url: database.url, applicationName: 'timeouts-test-read' });
    try {
      expect((await pool.query('SELECT statement_timeout, lock_timeout FROM seen')).rows).toEqual([{ statement_timeout: '0', lock_timeout: '10s' }]);
    } finally {
      await pool.end();
    }
  });

  it('when a statement timeout is configured, then a migration running longer fails and names its file', async () => {
    const directory = await migrations({ '0001_slow.sql': 'SELECT pg_sleep(1);' });

    await expect(prepare(directory, { statementTimeoutMs: 200 })).rejects.toThrow(/0001_slow\.sql failed: canceling statement due to statement timeout/);
  });

  it('when a table a migration alters is locked by a long transaction, then the migration gives up after the lock timeout', async () => {
    await prepare(await migrations({ '0001_items.sql': 'CREATE TABLE items (id int);' }));
    const holder = createPool({ url: database.url, applicationName: 'timeouts-test-holder' });
    const client = await holder.connect();
    try {
      await client.query('BEGIN');
      await client.query('LOCK TABLE items IN ACCESS SHARE MODE');
      const directory = await migrations({ '0001_items.sql': 'CREATE TABLE items (id int);', '0002_alter.sql': 'ALTER TABLE items ADD COLUMN label text;' });

      await expect(prepare(directory, { lockTimeoutMs: 200 })).rejects.toThrow(/0002_alter\.sql failed: canceling statement due to lock timeout/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
      await holder.end();
    }
  });

  it('when another process holds the migration lock for longer than both timeouts, then the second waits for it instead of failing', async () => {
    const directory = await migrations({ '0001_slow.sql': 'SELECT pg_sleep(1.5); CREATE TABLE items (id int);' });
    const first = prepare(directory);
    const watcher = createPool({ url: database.url, applicationName: 'timeouts-test-watcher' });
    try {
      const sleeping = "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(1.5)%'";
      expect(await eventually(async () => (await watcher.query(sleeping)).rowCount === 1)).toBe(true);

      const second = await prepare(directory, { statementTimeoutMs: 200, lockTimeoutMs: 200 });

      expect(second.applied).toEqual([]);
      expect((await first).applied).toEqual(['0001_slow.sql']);
    } finally {
      await first.catch(() => undefined);
      await watcher.end();
    }
  });
});
