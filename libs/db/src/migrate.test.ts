import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@gatehouse/testing';
import { createPool } from './database';
import { migrate } from './migrate';

let database: TestDatabase;
let directory: string;
beforeAll(async () => {
  database = await createTestDatabase('migrate');
  directory = await mkdtemp(join(tmpdir(), 'gh-migrations-'));
  await writeFile(join(directory, '0001_items.sql'), 'CREATE TABLE items (id int PRIMARY KEY);');
  // A non-idempotent migration: applied twice, it would fail on the duplicate key.
  await writeFile(join(directory, '0002_seed.sql'), 'INSERT INTO items (id) VALUES (1);');
});
afterAll(() => database.drop());

describe('migrate', () => {
  it('when three replicas migrate the same database at once, then each migration is applied exactly once', async () => {
    const pools = [1, 2, 3].map(() => createPool({ url: database.url, applicationName: 'migrate-test' }));
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool, directory)));
      expect(results.flatMap((r) => r.applied).sort()).toEqual(['0001_items.sql', '0002_seed.sql']);
      const { rows } = await pools[0]!.query('SELECT count(*)::int AS n FROM items');
      expect(rows[0].n).toBe(1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('when a migration fails, then it is rolled back, not recorded, and the error names the file', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'gh-migrations-'));
    await writeFile(join(broken, '0001_ok.sql'), 'CREATE TABLE ok_table (id int);');
    await writeFile(join(broken, '0002_bad.sql'), 'CREATE TABLE half (id int); SELECT no_such_column FROM ok_table;');
    const other = await createTestDatabase('migrate_fail');
    const pool = createPool({ url: other.url, applicationName: 'migrate-test' });
    try {
      await expect(migrate(pool, broken)).rejects.toThrow(/0002_bad\.sql/);
      const { rows } = await pool.query('SELECT name FROM schema_migrations ORDER BY name');
      expect(rows.map((r: { name: string }) => r.name)).toEqual(['0001_ok.sql']);
      const half = await pool.query("SELECT to_regclass('half') AS t");
      expect(half.rows[0].t).toBeNull();
    } finally {
      await pool.end();
      await other.drop();
    }
  });
});

describe('migrate, with a file marked to run without a transaction', () => {
  it('when its first line is the marker, then CREATE INDEX CONCURRENTLY runs, statement by statement, and the file is recorded', async () => {
    const own = await createTestDatabase('migrate_concurrently');
    const files = await mkdtemp(join(tmpdir(), 'gh-migrations-'));
    await writeFile(join(files, '0001_items.sql'), 'CREATE TABLE items (id int, label text);');
    await writeFile(
      join(files, '0002_items_indexes.sql'),
      '-- migrate: no-transaction\n-- Rerunnable: a failed concurrent build leaves an invalid index behind.\n' +
        'DROP INDEX CONCURRENTLY IF EXISTS items_label;\nCREATE INDEX CONCURRENTLY items_label ON items (label);\n' +
        'CREATE INDEX CONCURRENTLY items_id ON items (id);\n',
    );
    const pool = createPool({ url: own.url, applicationName: 'migrate-test' });
    try {
      expect((await migrate(pool, files)).applied).toEqual(['0001_items.sql', '0002_items_indexes.sql']);

      const { rows } = await pool.query(
        "SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'items_%' ORDER BY 1",
      );
      expect(rows).toEqual([
        { name: 'items_id', valid: true },
        { name: 'items_label', valid: true },
      ]);
      expect((await pool.query('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r: { name: string }) => r.name)).toEqual([
        '0001_items.sql',
        '0002_items_indexes.sql',
      ]);
    } finally {
      await pool.end();
      await own.drop();
    }
  });

  it('when one of its statements fails, then the ones before it stay, the file is not recorded, and the error says why the rest was not rolled back', async () => {
    const own = await createTestDatabase('migrate_no_tx_fail');
    const files = await mkdtemp(join(tmpdir(), 'gh-migrations-'));
    await writeFile(
      join(files, '0001_items.sql'),
      '-- migrate: no-transaction\nCREATE TABLE items (id int);\nCREATE INDEX CONCURRENTLY items_missing ON items (missing);\n',
    );
    const pool = createPool({ url: own.url, applicationName: 'migrate-test' });
    try {
      await expect(migrate(pool, files)).rejects.toThrow(/0001_items\.sql failed \(it runs without a transaction[^)]*\): column "missing" does not exist/);

      expect((await pool.query("SELECT to_regclass('items') IS NOT NULL AS exists")).rows[0].exists).toBe(true);
      expect((await pool.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n).toBe(0);
    } finally {
      await pool.end();
      await own.drop();
    }
  });

  it('when the marker is not on the first line, then the file runs in a transaction as usual', async () => {
    const own = await createTestDatabase('migrate_marker_late');
    const files = await mkdtemp(join(tmpdir(), 'gh-migrations-'));
    await writeFile(
      join(files, '0001_items.sql'),
      'CREATE TABLE items (id int);\n-- migrate: no-transaction\nCREATE INDEX CONCURRENTLY items_id ON items (id);\n',
    );
    const pool = createPool({ url: own.url, applicationName: 'migrate-test' });
    try {
      await expect(migrate(pool, files)).rejects.toThrow(/0001_items\.sql failed: CREATE INDEX CONCURRENTLY cannot run inside a transaction block/);

      expect((await pool.query("SELECT to_regclass('items') IS NULL AS absent")).rows[0].absent).toBe(true);
    } finally {
      await pool.end();
      await own.drop();
    }
  });
});

describe('createPool', () => {
  it('when the server terminates an idle connection, then the pool reports it and keeps serving', async () => {
    const own = await createTestDatabase('pool_idle');
    const errors: Error[] = [];
    const pool = createPool({ url: own.url, applicationName: 'idle-test', onIdleError: (error) => errors.push(error) });
    try {
      await pool.query('SELECT 1');
      const admin = createPool({ url: database.url, applicationName: 'idle-test-admin' });
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'idle-test'");
      await admin.end();
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors.length).toBeGreaterThan(0);
      expect((await pool.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    } finally {
      await pool.end();
      await own.drop();
    }
  });
});
