import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { testInfrastructure, uniqueName } from '@gatehouse/testing';
import { createPool, dropDatabase, withDatabase } from './database';
import { migrate } from './migrate';
import { prepareDatabase } from './prepare-database';

const PASSWORD = 'role-test-password';
const ddlRole = uniqueName('gh_ddl');
const runtimeRole = uniqueName('gh_app');
const databaseUrl = asRole(withDatabase(testInfrastructure().postgresUrl, uniqueName('gh_test_roles')), ddlRole);

/** The same server and database, logged in as `role` (the password matters only off `trust`). */
function asRole(url: string, role: string): string {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = PASSWORD;
  return parsed.toString();
}

let admin: Pool;
let directory: string;
let runtime: Pool;
beforeAll(async () => {
  admin = createPool({ url: testInfrastructure().postgresUrl, applicationName: 'roles-test-admin' });
  await admin.query(`CREATE ROLE ${ddlRole} LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
  await admin.query(`CREATE ROLE ${runtimeRole} LOGIN PASSWORD '${PASSWORD}'`);
  directory = await mkdtemp(join(tmpdir(), 'gh-migrations-'));
  await writeFile(join(directory, '0001_items.sql'), 'CREATE TABLE items (id bigserial PRIMARY KEY, label text NOT NULL);');
  await prepareDatabase({ url: databaseUrl, create: true, migrationsDirectory: directory, runtimeRole, applicationName: 'roles-test-migrate' });
  runtime = createPool({ url: asRole(databaseUrl, runtimeRole), applicationName: 'roles-test-runtime' });
});
afterAll(async () => {
  await runtime.end();
  await dropDatabase(asRole(databaseUrl, 'postgres'));
  await admin.query(`DROP ROLE IF EXISTS ${runtimeRole}`);
  await admin.query(`DROP ROLE IF EXISTS ${ddlRole}`);
  await admin.end();
});

describe('prepareDatabase with a runtime role', () => {
  it('when the DDL role has migrated, then the runtime role reads and writes rows through the sequence', async () => {
    await runtime.query("INSERT INTO items (label) VALUES ('first')");
    await runtime.query("UPDATE items SET label = 'renamed' WHERE label = 'first'");

    const { rows } = await runtime.query<{ label: string }>('SELECT label FROM items');

    expect(rows).toEqual([{ label: 'renamed' }]);
  });

  it('when the runtime role tries DDL, then CREATE TABLE and DROP TABLE are refused', async () => {
    await expect(runtime.query('CREATE TABLE intruder (id int)')).rejects.toThrow(/permission denied/);
    await expect(runtime.query('DROP TABLE items')).rejects.toThrow(/must be owner/);
    await expect(runtime.query('ALTER TABLE items ADD COLUMN extra int')).rejects.toThrow(/must be owner/);
  });

  it('when a later migration adds a table, then the runtime role may use it without another grant', async () => {
    await writeFile(join(directory, '0002_tags.sql'), 'CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL);');
    const ddl = createPool({ url: databaseUrl, applicationName: 'roles-test-migrate' });
    try {
      expect((await migrate(ddl, directory)).applied).toEqual(['0002_tags.sql']);
    } finally {
      await ddl.end();
    }

    await runtime.query("INSERT INTO tags (name) VALUES ('new')");

    expect((await runtime.query('SELECT name FROM tags')).rows).toEqual([{ name: 'new' }]);
  });
});
